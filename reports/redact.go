package reports

import (
	"regexp"
	"strconv"
	"unicode/utf8"
)

// secretKeyRE matches a JSON member whose name says it holds an account
// number or a secret, with a string or number value.
var secretKeyRE = regexp.MustCompile(`(?i)("(?:[a-z_]*account(?:number|no|num)?|[a-z_]*secret|password|token|authorization|api[_-]?key|holder|residentRegistrationNumber|birthdate|rrn)"\s*:\s*)("(?:[^"\\]|\\.)*"|-?[0-9][0-9-]*)`)

// cleanRaw prepares a rejected record's raw payload for a cell: values of
// members that hold account numbers or secrets are replaced with "***", and
// the text is cut to max characters with a note of how much was left out.
// The Source should never pass such data; this is the last line of defence.
func cleanRaw(raw string, max int) string {
	s := secretKeyRE.ReplaceAllString(raw, `$1"***"`)
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "… (+" + strconv.Itoa(len(s)-i) + " bytes)"
		}
		n++
	}
	return s
}

package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/settle-dev/settle/settlement"
)

// Strict JSON, for every JSON a record arrives in (HTTP API, JSON Lines,
// `settle preview`): valid UTF-8, one value and nothing after it, no object
// naming a member twice (RFC 8259 leaves duplicates undefined, and "last
// wins" would let one reader see 1000 won where another sees 5000), names
// matched case-sensitively, and no unknown member inside PortOne's nested
// objects (a misspelt "taxFreeAmout" in an order line would otherwise change
// the VAT without a word). A record's own top-level unknown fields are kept
// (DESIGN.md §3), up to MaxUnknownBytes.

// MaxUnknownBytes caps the unknown top-level fields a record keeps, names
// and values together, as JSON.
const MaxUnknownBytes = 16 << 10

// decodeStrict decodes data into v (an *orderInput, *cancelInput or
// preview input) under the rules above. unknown, when not nil, is v's kept
// unknown fields, checked against known (see checkUnknown) before the
// duplicate check: that check remembers every name of an object, so a body
// of a hundred thousand unknown members is refused by the cap first, for a
// fraction of the memory.
func decodeStrict(data []byte, v any, unknown *jsontext.Value, known map[string]string) *settlement.Error {
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true), jsontext.AllowDuplicateNames(true)); err != nil {
		return jsonError(err)
	}
	if unknown != nil {
		if err := checkUnknown(*unknown, known); err != nil {
			return err
		}
	}
	if err := jsontext.NewDecoder(bytes.NewBuffer(data)).SkipValue(); err != nil { // a Buffer is parsed in place, not copied
		return jsonError(err)
	}
	return nil
}

// DecodeJSON decodes JSON that is not a record but arrives beside them
// (PortOne's webhooks) by the same strict rules, except that unknown
// members are ignored: valid UTF-8, one value, no duplicate names. The
// error is INVALID_REQUEST naming the field by its path.
func DecodeJSON(data []byte, v any) *settlement.Error {
	if err := jsonv2.Unmarshal(data, v); err != nil {
		return jsonError(err)
	}
	return nil
}

// jsonError turns a decoding error into INVALID_REQUEST naming the field by
// its path (orderDetail.orderLines[0].quantity).
func jsonError(err error) *settlement.Error {
	var sy *jsontext.SyntacticError
	var se *jsonv2.SemanticError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return invalid("", "invalid JSON: unexpected end of input")
	case errors.As(err, &sy):
		field := pointerField(sy.JSONPointer)
		if errors.Is(sy.Err, jsontext.ErrDuplicateName) {
			return invalid(field, "appears twice in one object; name each field once")
		}
		if strings.Contains(sy.Err.Error(), "UTF-8") {
			return invalid(field, "not valid UTF-8")
		}
		return invalid("", "invalid JSON at byte %d: %v", sy.ByteOffset, sy.Err)
	case errors.As(err, &se):
		field := pointerField(se.JSONPointer)
		switch {
		case errors.Is(se.Err, jsonv2.ErrUnknownName):
			return invalid(field, "unknown field: a record keeps unknown fields at its top level only (check the spelling)")
		case errors.Is(se.Err, strconv.ErrRange):
			return invalid(field, "want %s, got a number out of range", goKind(se.GoType))
		}
		return invalid(field, "want %s, got JSON %s", goKind(se.GoType), kindName(se.JSONKind))
	}
	return invalid("", "invalid JSON: %v", err)
}

// pointerField writes a JSON pointer (/orderDetail/orderLines/0/quantity)
// as the field paths of PortOne's errors (orderDetail.orderLines[0].quantity).
func pointerField(p jsontext.Pointer) string {
	var b strings.Builder
	first := true
	for tok := range p.Tokens() {
		if !first && isIndex(tok) {
			b.WriteString("[" + tok + "]")
			continue
		}
		if !first {
			b.WriteByte('.')
		}
		b.WriteString(tok)
		first = false
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func goKind(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return goKind(t.Elem())
	}
	return "a value"
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "boolean"
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	}
	return "value"
}

// knownNames maps the case-folded JSON name of every field of a struct
// type (embedded structs included) to its spelling.
func knownNames(t reflect.Type) map[string]string {
	out := map[string]string{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
			for k, v := range knownNames(f.Type) {
				out[k] = v
			}
			continue
		}
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		out[strings.ToLower(name)] = name
	}
	return out
}

var (
	orderNames  = knownNames(reflect.TypeFor[orderInput]())
	cancelNames = knownNames(reflect.TypeFor[cancelInput]())
)

// checkUnknown checks the unknown top-level fields a record keeps: none may
// be a known field spelt in another case ("PaidAt", "taxfreeAmount": kept,
// they would silently not count), and together they fit MaxUnknownBytes.
func checkUnknown(v jsontext.Value, known map[string]string) *settlement.Error {
	if len(v) == 0 {
		return nil
	}
	// The names were checked for duplicates when v was decoded; a Buffer
	// is parsed in place, not copied.
	dec := jsontext.NewDecoder(bytes.NewBuffer(v), jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil { // {
		return invalid("", "unknown fields: %v", err)
	}
	size := 2
	for dec.PeekKind() == '"' {
		tok, err := dec.ReadToken()
		if err != nil {
			return invalid("", "unknown fields: %v", err)
		}
		name := tok.String()
		val, err := dec.ReadValue()
		if err != nil {
			return invalid(name, "%v", err)
		}
		if k, ok := known[strings.ToLower(name)]; ok {
			return invalid(name, "unknown field; did you mean %q? (names are case-sensitive)", k)
		}
		size += len(name) + 4 + len(val)
		if size > MaxUnknownBytes {
			return invalid(name, "unknown fields are kept up to %d bytes in all; with this one they take %d or more", MaxUnknownBytes, size)
		}
	}
	return nil
}

// storedForm is the JSON a record is stored as: body (a transfer body,
// encoded as it is posted, required arrays as []), the record's own fields
// (type, paidAt or cancelledAt) and its unknown fields verbatim. Names never
// collide: an unknown field is one the body does not have.
func storedForm(body any, own map[string]string, unknown jsontext.Value) (json.RawMessage, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(b)+len(unknown)+64)
	out = append(out, b[:len(b)-1]...) // without the closing brace
	sep := func() {
		if len(out) > 1 {
			out = append(out, ',')
		}
	}
	for _, k := range []string{"type", "paidAt", "cancelledAt"} {
		if v, ok := own[k]; ok {
			sep()
			out, _ = jsontext.AppendQuote(append(out, `"`+k+`":`...), v)
		}
	}
	if len(unknown) > 2 {
		u := jsontext.Value(append([]byte(nil), unknown...))
		if err := u.Compact(); err != nil {
			return nil, err
		}
		if inner := u[1 : len(u)-1]; len(inner) > 0 {
			sep()
			out = append(out, inner...)
		}
	}
	return append(out, '}'), nil
}

package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// maxDiffs bounds how many differing fields a conflict names.
const maxDiffs = 20

// DiffFields names the fields in which two stored records differ, as JSON
// paths (`orderDetail.orderLines[0].quantity`), sorted, at most 20. A field
// present in one record and absent from the other counts as differing. Both
// arguments are JSON objects as produced by this package; when one cannot
// be decoded the answer is the whole record, "".
func DiffFields(a, b []byte) []string {
	va, errA := decodeAny(a)
	vb, errB := decodeAny(b)
	if errA != nil || errB != nil {
		return []string{""}
	}
	var out []string
	diffValue("", va, vb, &out)
	sort.Strings(out)
	if len(out) > maxDiffs {
		out = out[:maxDiffs]
	}
	return out
}

func decodeAny(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	err := dec.Decode(&v)
	return v, err
}

func diffValue(path string, a, b any, out *[]string) {
	if len(*out) > 4*maxDiffs {
		return
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, path)
			return
		}
		for k, va := range x {
			p := joinPath(path, k)
			vb, ok := y[k]
			if !ok {
				*out = append(*out, p)
				continue
			}
			diffValue(p, va, vb, out)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				*out = append(*out, joinPath(path, k))
			}
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*out = append(*out, path)
			return
		}
		for i := range x {
			diffValue(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], out)
		}
	case json.Number:
		y, ok := b.(json.Number)
		if !ok || x != y {
			*out = append(*out, path)
		}
	default: // string, bool, nil
		if a != b {
			*out = append(*out, path)
		}
	}
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

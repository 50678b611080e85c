package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// canonical decodes a JSON document and encodes it again with object keys
// sorted and insignificant whitespace removed, numbers kept as written. Two
// requests with the same canonical form are the same payload: key order and
// formatting do not make a conflict, any value does.
func canonical(raw []byte) ([]byte, any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, fmt.Errorf("trailing data after the JSON value")
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	return out, v, nil
}

func flatten(path string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			out[path] = "{}"
		}
		for k, e := range x {
			p := k
			if path != "" {
				p = path + "." + k
			}
			flatten(p, e, out)
		}
	case []any:
		if len(x) == 0 {
			out[path] = "[]"
		}
		for i, e := range x {
			flatten(path+"["+strconv.Itoa(i)+"]", e, out)
		}
	case string:
		out[path] = strconv.Quote(x)
	case nil:
		out[path] = "null"
	default:
		out[path] = fmt.Sprint(x)
	}
}

package settlement

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The rules file (SETTLE_RULES, `settle emulator --rules`, the `rules` of a
// preview input, what `settle calibrate` writes) is JSON:
//
//	{
//	  "name": "helpcenter-custom",
//	  "rounding": {"vat": "DOWN", "paymentVat": "DOWN"},
//	  "formulas": {
//	    "platformFee":   {"formula": "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT", "round": "DOWN"},
//	    "additionalFee": {"formula": "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
//	    "settlement":    {"formula": "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT"}
//	  },
//	  "userDefinedFormulas": [{"key": "NET", "formula": "SETTLEMENT_AMOUNT * 0.967", "round": "DOWN"}],
//	  "orderKeys": ["discountShare", "discountShareTaxFree", "platformFee", "additionalFee", "settlement", "settlementTaxFree", "NET"],
//	  "parameters": [{"key": "BONUS_RATE", "default": "0.01"}],
//	  "variants": {"platformFixedFee": "PER_ORDER", "orderBlock": "SUM_OF_LINES",
//	               "monthlyShortMonth": "CLAMP", "cancelFixedAmounts": "ON_LAST_CANCEL"}
//	}
//
// Every member is optional; what is left out is PortOne's default. It is
// JSON rather than YAML so that settlement keeps to the standard library
// (and the file is what the other inputs are); it is read strictly: an
// unknown or repeated member, a value of the wrong type, a formula that
// does not parse, an unknown rounding or variant choice are errors naming
// the member's path.

// MaxRulesFileBytes bounds a rules file.
const MaxRulesFileBytes = 1 << 20

// ParseRules reads a rules file and compiles it (NewRules). Errors are
// *RulesError values (joined when there are several) whose Key is the
// member's path, such as `formulas.platformFee.formula` or `variants.orderBlock`.
func ParseRules(data []byte) (*Rules, error) {
	spec, err := ParseRulesSpec(data)
	if err != nil {
		return nil, err
	}
	return NewRules(spec)
}

// ParseRulesSpec reads a rules file without compiling it.
func ParseRulesSpec(data []byte) (RulesSpec, error) {
	var s RulesSpec
	if len(data) > MaxRulesFileBytes {
		return s, &RulesError{Key: "(file)", Err: fmt.Errorf("at most %d bytes, got %d", MaxRulesFileBytes, len(data))}
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		return s, &RulesError{Key: "(file)", Err: fmt.Errorf("not JSON: %v", err)}
	}
	if err := checkDuplicates(data); err != nil {
		return s, err
	}
	var errs []error
	fail := func(key string, err error) { errs = append(errs, &RulesError{Key: key, Err: err}) }
	top, err := members(data, "(file)", []string{"name", "rounding", "formulas", "userDefinedFormulas", "orderKeys", "parameters", "variants"})
	if err != nil {
		return s, err
	}
	str := func(raw json.RawMessage, key string) string {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			fail(key, errors.New("want a string"))
		}
		return v
	}
	formula := func(raw json.RawMessage, key string, withKey bool) FormulaSpec {
		known := []string{"formula", "round"}
		if withKey {
			known = append([]string{"key"}, known...)
		}
		m, err := members(raw, key, known)
		if err != nil {
			errs = append(errs, err)
			return FormulaSpec{}
		}
		var f FormulaSpec
		if v, ok := m["key"]; ok {
			f.Key = str(v, key+".key")
		} else if withKey {
			fail(key+".key", errors.New("required"))
		}
		if v, ok := m["formula"]; ok {
			f.Formula = str(v, key+".formula")
		} else {
			fail(key+".formula", errors.New("required"))
		}
		if v, ok := m["round"]; ok {
			f.Round = RoundMode(str(v, key+".round"))
		}
		return f
	}
	list := func(raw json.RawMessage, key string) []json.RawMessage {
		var l []json.RawMessage
		if err := json.Unmarshal(raw, &l); err != nil {
			fail(key, errors.New("want an array"))
		}
		return l
	}
	if v, ok := top["name"]; ok {
		s.Name = str(v, "name")
	}
	if v, ok := top["rounding"]; ok {
		m, err := members(v, "rounding", []string{"vat", "paymentVat"})
		if err != nil {
			errs = append(errs, err)
		}
		if x, ok := m["vat"]; ok {
			s.VATRound = RoundMode(str(x, "rounding.vat"))
		}
		if x, ok := m["paymentVat"]; ok {
			s.PaymentVATRound = RoundMode(str(x, "rounding.paymentVat"))
		}
	}
	if v, ok := top["formulas"]; ok {
		var keys []string
		for _, f := range reservedFormulas {
			keys = append(keys, f.key)
		}
		m, err := members(v, "formulas", keys)
		if err != nil {
			errs = append(errs, err)
		}
		for _, k := range keys {
			if x, ok := m[k]; ok {
				f := formula(x, "formulas."+k, false)
				f.Key = k
				s.Formulas = append(s.Formulas, f)
			}
		}
	}
	if v, ok := top["userDefinedFormulas"]; ok {
		for i, x := range list(v, "userDefinedFormulas") {
			s.UserDefined = append(s.UserDefined, formula(x, fmt.Sprintf("userDefinedFormulas[%d]", i), true))
		}
	}
	if v, ok := top["orderKeys"]; ok {
		for i, x := range list(v, "orderKeys") {
			s.OrderKeys = append(s.OrderKeys, str(x, fmt.Sprintf("orderKeys[%d]", i)))
		}
	}
	if v, ok := top["parameters"]; ok {
		for i, x := range list(v, "parameters") {
			key := fmt.Sprintf("parameters[%d]", i)
			m, err := members(x, key, []string{"key", "default"})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			var p ParameterSpec
			if k, ok := m["key"]; ok {
				p.Key = str(k, key+".key")
			} else {
				fail(key+".key", errors.New("required"))
			}
			if d, ok := m["default"]; ok {
				pv, err := ParseParam(str(d, key+".default"))
				if err != nil {
					fail(key+".default", err)
				} else {
					p.Default = &pv
				}
			}
			s.Parameters = append(s.Parameters, p)
		}
	}
	if v, ok := top["variants"]; ok {
		var keys []string
		for _, d := range VariantList {
			keys = append(keys, d.Key)
		}
		m, err := members(v, "variants", keys)
		if err != nil {
			errs = append(errs, err)
		}
		for _, k := range keys {
			if x, ok := m[k]; ok {
				s.Variants = s.Variants.With(k, str(x, "variants."+k))
			}
		}
	}
	return s, errors.Join(errs...)
}

// members decodes a JSON object and refuses members not in known.
func members(data []byte, key string, known []string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil || m == nil {
		return nil, &RulesError{Key: key, Err: errors.New("want an object")}
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return m, &RulesError{Key: joinKey(key, unknown[0]), Err: fmt.Errorf("unknown member (known: %s)", strings.Join(known, ", "))}
	}
	return m, nil
}

func joinKey(key, member string) string {
	if key == "(file)" {
		return member
	}
	return key + "." + member
}

// checkDuplicates refuses a member given twice in one object: the decoder
// would keep the last silently, and a formula overridden by a forgotten
// second copy is a wrong settlement.
func checkDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		key    string
		seen   map[string]bool
		index  int
		name   string // the member whose value is being read
	}
	var stack []*frame
	path := func() string {
		var parts []string
		for _, f := range stack {
			if f.key != "" {
				parts = append(parts, f.key)
			}
		}
		return strings.Join(parts, "")
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &RulesError{Key: "(file)", Err: fmt.Errorf("not JSON: %v", err)}
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.name == "" {
			name, _ := tok.(string)
			if top.seen[name] {
				p := path()
				if p != "" {
					p += "."
				}
				return &RulesError{Key: strings.TrimPrefix(p+name, "."), Err: errors.New("given twice")}
			}
			top.seen[name] = true
			top.name = name
			continue
		}
		// A value: of the member top.name, or an element of an array.
		label := ""
		if top != nil {
			if top.object {
				label = "." + top.name
				top.name = ""
			} else {
				label = "[" + strconv.Itoa(top.index) + "]"
				top.index++
			}
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, &frame{object: d == '{', key: label, seen: map[string]bool{}})
		}
	}
}

// File renders the rules as a rules file: every formula written out, in
// evaluation order, with its rounding, and every variant's choice, so that
// the file says everything without defaults to remember. ParseRules of the
// result gives rules of the same Version.
func (r *Rules) File() []byte {
	r = r.or()
	s := r.spec
	var b bytes.Buffer
	q := func(v string) string {
		out, _ := json.Marshal(v)
		return string(out)
	}
	fmt.Fprintf(&b, "{\n  \"name\": %s,\n", q(s.Name))
	fmt.Fprintf(&b, "  \"rounding\": {\"vat\": %s, \"paymentVat\": %s},\n", q(string(s.VATRound)), q(string(s.PaymentVATRound)))
	b.WriteString("  \"formulas\": {\n")
	for i, f := range s.Formulas {
		sep := ","
		if i == len(s.Formulas)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s: {\"formula\": %s, \"round\": %s}%s\n", q(f.Key), q(f.Formula), q(string(f.Round)), sep)
	}
	b.WriteString("  },\n")
	if len(s.UserDefined) > 0 {
		b.WriteString("  \"userDefinedFormulas\": [\n")
		for i, f := range s.UserDefined {
			sep := ","
			if i == len(s.UserDefined)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "    {\"key\": %s, \"formula\": %s, \"round\": %s}%s\n", q(f.Key), q(f.Formula), q(string(f.Round)), sep)
		}
		b.WriteString("  ],\n")
	}
	keys := make([]string, len(s.OrderKeys))
	for i, k := range s.OrderKeys {
		keys[i] = q(k)
	}
	fmt.Fprintf(&b, "  \"orderKeys\": [%s],\n", strings.Join(keys, ", "))
	if len(s.Parameters) > 0 {
		b.WriteString("  \"parameters\": [\n")
		for i, p := range s.Parameters {
			sep := ","
			if i == len(s.Parameters)-1 {
				sep = ""
			}
			if p.Default != nil {
				fmt.Fprintf(&b, "    {\"key\": %s, \"default\": %s}%s\n", q(p.Key), q(p.Default.String()), sep)
			} else {
				fmt.Fprintf(&b, "    {\"key\": %s}%s\n", q(p.Key), sep)
			}
		}
		b.WriteString("  ],\n")
	}
	b.WriteString("  \"variants\": {\n")
	for i, v := range VariantList {
		sep := ","
		if i == len(VariantList)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    %s: %s%s\n", q(v.Key), q(s.Variants.Get(v.Key)), sep)
	}
	b.WriteString("  }\n}\n")
	return b.Bytes()
}

package emulator_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/settle-dev/settle/emulator"
)

// update is the package's one golden flag: go test -update regenerates
// testdata/resources.golden and testdata/schema-required.json (from
// ../../shared/reference).
var update = flag.Bool("update", false, "regenerate the golden files under testdata")

const (
	schemaPath = "../../shared/reference/portone-platform-openapi.json"
	goldenPath = "testdata/schema-required.json"
)

// schemaInfo is what the golden file keeps of one schema: enough to check
// that a response carries every required field with a known enum value,
// recursively.
type schemaInfo struct {
	Required []string          `json:"required,omitempty"`
	Refs     map[string]string `json:"refs,omitempty"`    // property → schema (object, enum or array items)
	MapOf    string            `json:"mapOf,omitempty"`   // additionalProperties schema
	OneOf    map[string]string `json:"oneOf,omitempty"`   // discriminator `type` value → schema
	Enum     []string          `json:"enum,omitempty"`    // string enum values
	IsArray  map[string]bool   `json:"isArray,omitempty"` // properties that are arrays
}

// roots are the schemas the emulator's responses are checked against.
var roots = []string{
	"CreateOrderTransferResponse", "CreateOrderCancelTransferResponse", "CreateManualTransferResponse",
	"PlatformTransfer", "GetPlatformTransferSummariesResponse",
	"CreatePlatformPartnerResponse", "GetPlatformPartnersResponse", "CreatePlatformContractResponse",
	"CreatePlatformDiscountSharePolicyResponse", "CreatePlatformAdditionalFeePolicyResponse",
	"PlatformSetting", "UpdatePlatformSettingResponse",
	"PlatformTransferAlreadyExistsError", "PlatformDiscountSharePoliciesNotFoundError",
	"PlatformCancellableAmountExceededError", "PlatformCancellableProductQuantityExceededError",
	"UnauthorizedError", "InvalidRequestError",
}

func refName(v map[string]any) string {
	if r, ok := v["$ref"].(string); ok {
		return strings.TrimPrefix(r, "#/components/schemas/")
	}
	return ""
}

// extract builds the golden closure of roots from the OpenAPI document.
func extract(t *testing.T, doc []byte) map[string]schemaInfo {
	var spec struct {
		Components struct {
			Schemas map[string]map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	out := map[string]schemaInfo{}
	queue := slices.Clone(roots)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out[name]; done {
			continue
		}
		s, ok := spec.Components.Schemas[name]
		if !ok {
			t.Fatalf("schema %s not in the document", name)
		}
		var info schemaInfo
		for _, r := range asSlice(s["required"]) {
			if !slices.Contains(info.Required, r.(string)) {
				info.Required = append(info.Required, r.(string))
			}
		}
		sort.Strings(info.Required)
		for _, e := range asSlice(s["enum"]) {
			info.Enum = append(info.Enum, e.(string))
		}
		if d, ok := s["discriminator"].(map[string]any); ok {
			info.OneOf = map[string]string{}
			for k, v := range d["mapping"].(map[string]any) {
				n := strings.TrimPrefix(v.(string), "#/components/schemas/")
				info.OneOf[k] = n
				queue = append(queue, n)
			}
		}
		if ap, ok := s["additionalProperties"].(map[string]any); ok && refName(ap) != "" {
			info.MapOf = refName(ap)
			queue = append(queue, info.MapOf)
		}
		props, _ := s["properties"].(map[string]any)
		for p, v := range props {
			pv := v.(map[string]any)
			n := refName(pv)
			if items, ok := pv["items"].(map[string]any); ok && pv["type"] == "array" {
				if info.IsArray == nil {
					info.IsArray = map[string]bool{}
				}
				info.IsArray[p] = true
				n = refName(items)
			}
			if n != "" {
				if info.Refs == nil {
					info.Refs = map[string]string{}
				}
				info.Refs[p] = n
				queue = append(queue, n)
			}
		}
		out[name] = info
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func loadGolden(t *testing.T) map[string]schemaInfo {
	t.Helper()
	b, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]schemaInfo
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGoldenMatchesSchema keeps the golden file honest when the shared
// schema is at hand (and rewrites it with -update).
func TestGoldenMatchesSchema(t *testing.T) {
	doc, err := os.ReadFile(schemaPath)
	if err != nil {
		t.Skipf("schema not available: %v", err)
	}
	got, err := json.MarshalIndent(extract(t, doc), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenMatchesSchema -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale: run go test -run TestGoldenMatchesSchema -update", goldenPath)
	}
}

type checker struct {
	g    map[string]schemaInfo
	errs []string
}

func (c *checker) check(v any, name, path string) {
	info, ok := c.g[name]
	if !ok {
		c.errs = append(c.errs, path+": unknown schema "+name)
		return
	}
	switch {
	case len(info.Enum) > 0:
		s, ok := v.(string)
		if !ok || !slices.Contains(info.Enum, s) {
			c.errs = append(c.errs, path+": "+name+" value not in enum: "+toJSON(v))
		}
		return
	case info.OneOf != nil:
		m, _ := v.(map[string]any)
		typ, _ := m["type"].(string)
		branch, ok := info.OneOf[typ]
		if !ok {
			c.errs = append(c.errs, path+": "+name+": unknown type "+toJSON(m["type"]))
			return
		}
		c.check(v, branch, path)
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.errs = append(c.errs, path+": "+name+" is not an object: "+toJSON(v))
		return
	}
	for _, r := range info.Required {
		if x, ok := m[r]; !ok || x == nil {
			c.errs = append(c.errs, path+"."+r+": required by "+name+", missing")
		}
	}
	if info.MapOf != "" {
		for k, x := range m {
			c.check(x, info.MapOf, path+"."+k)
		}
	}
	for p, ref := range info.Refs {
		x, ok := m[p]
		if !ok || x == nil {
			continue
		}
		if info.IsArray[p] {
			arr, ok := x.([]any)
			if !ok {
				c.errs = append(c.errs, path+"."+p+": not an array")
				continue
			}
			for i, e := range arr {
				c.check(e, ref, path+"."+p+"["+itoa(i)+"]")
			}
			continue
		}
		c.check(x, ref, path+"."+p)
	}
}

func itoa(i int) string   { b, _ := json.Marshal(i); return string(b) }
func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestResponsesMatchSchema checks representative responses against the
// schema's required fields and enums (from the golden file, so the test
// never depends on ../shared).
func TestResponsesMatchSchema(t *testing.T) {
	c := &checker{g: loadGolden(t)}
	// The checker itself catches a missing field, a bad enum and a bad branch.
	neg := &checker{g: c.g}
	neg.check(map[string]any{"type": "ORDER", "status": "LOST"}, "PlatformTransfer", "neg")
	neg.check(map[string]any{"type": "NOPE"}, "PlatformTransfer", "neg")
	if len(neg.errs) < 10 || !slices.ContainsFunc(neg.errs, func(e string) bool { return strings.Contains(e, "not in enum") }) {
		t.Fatalf("checker misses errors: %v", neg.errs)
	}
	_, a, _ := seeded(t, emulator.Options{})
	expect := func(r resp, schema string) {
		t.Helper()
		c.check(map[string]any(r.body), schema, schema)
	}

	b := order("o1", "pay1", "p1", 0)
	b["orderDetail"] = map[string]any{"orderLines": []any{
		map[string]any{"product": map[string]any{"id": "A", "name": "A", "amount": 5000, "tag": "t"}, "quantity": 5,
			"discounts":      []any{map[string]any{"sharePolicyId": "dsp50", "amount": 2500}},
			"additionalFees": []any{map[string]any{"policyId": "afp5"}}},
	}}
	b["discounts"] = []any{map[string]any{"sharePolicyId": "dsp50", "amount": 2500}}
	b["additionalFees"] = []any{map[string]any{"policyId": "afp5"}}
	b["userDefinedProperties"] = []any{map[string]any{"key": "k", "value": map[string]any{"string": "v"}}}
	expect(a.ok("POST", "/platform/transfers/order", b), "CreateOrderTransferResponse")

	b = order("o2", "pay2", "p2", 10000)
	b["externalPaymentDetail"] = map[string]any{"currency": "KRW", "paidAt": "2023-08-11T08:21:01Z", "method": map[string]any{"easyPay": map[string]any{"provider": "KAKAOPAY"}}}
	expect(a.ok("POST", "/platform/transfers/order", b), "CreateOrderTransferResponse")

	expect(a.ok("POST", "/platform/transfers/order-cancel", map[string]any{
		"id": "c1", "transferId": "o1", "cancellationId": "k1",
		"orderDetail": map[string]any{"orderLines": []any{map[string]any{"productId": "A", "quantity": 1, "discounts": []any{}}}},
		"discounts":   []any{},
	}), "CreateOrderCancelTransferResponse")
	expect(a.ok("POST", "/platform/transfers/manual", map[string]any{"id": "m1", "partnerId": "p1", "settlementAmount": 100, "settlementDate": "2023-08-31"}), "CreateManualTransferResponse")
	for _, id := range []string{"o1", "o2", "c1", "m1"} {
		expect(a.ok("GET", "/platform/transfers/"+id, nil), "PlatformTransfer")
	}
	expect(a.ok("GET", "/platform/transfer-summaries", nil), "GetPlatformTransferSummariesResponse")

	p := partnerJSON("p9", "contractA")
	p["type"] = map[string]any{"whtPayer": map[string]any{}}
	p["userDefinedProperties"] = map[string]any{"k": map[string]any{"string": "v"}}
	expect(a.ok("POST", "/platform/partners", p), "CreatePlatformPartnerResponse")
	expect(a.ok("GET", "/platform/partners", nil), "GetPlatformPartnersResponse")
	expect(a.ok("POST", "/platform/contracts", map[string]any{
		"id": "weekly", "name": "w", "platformFee": map[string]any{"fixedAmount": 100}, "platformFeeVatPayer": "MERCHANT", "subtractPaymentVatAmount": true,
		"settlementCycle": map[string]any{"lagDays": 2, "datePolicy": "CALENDAR_DAY", "method": map[string]any{"weekly": map[string]any{"daysOfWeek": []string{"FRI"}}}},
	}), "CreatePlatformContractResponse")
	expect(a.ok("POST", "/platform/discount-share-policies", map[string]any{"name": "d", "partnerShareRate": 1}), "CreatePlatformDiscountSharePolicyResponse")
	expect(a.ok("POST", "/platform/additional-fee-policies", map[string]any{"name": "f", "fee": map[string]any{"fixedRate": 1}, "vatPayer": "MERCHANT"}), "CreatePlatformAdditionalFeePolicyResponse")
	expect(a.ok("GET", "/platform/setting", nil), "PlatformSetting")
	expect(a.ok("PATCH", "/platform/setting", map[string]any{"settlementAmountType": "NET"}), "UpdatePlatformSettingResponse")

	expect(a.fails("POST", "/platform/transfers/order", order("o3", "pay1", "p1", 1), 409, "PLATFORM_TRANSFER_ALREADY_EXISTS"), "PlatformTransferAlreadyExistsError")
	bad := order("o4", "pay4", "p1", 1)
	bad["discounts"] = []any{map[string]any{"sharePolicyId": "zz", "amount": 1}}
	expect(a.fails("POST", "/platform/transfers/order", bad, 404, "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND"), "PlatformDiscountSharePoliciesNotFoundError")
	a.ok("POST", "/platform/transfers/order", order("o5", "pay5", "p1", 1000))
	expect(a.fails("POST", "/platform/transfers/order-cancel", map[string]any{"transferId": "o5", "cancellationId": "x", "orderDetail": map[string]any{"orderAmount": 2000}, "discounts": []any{}}, 400, "PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED"), "PlatformCancellableAmountExceededError")
	expect(a.fails("POST", "/platform/transfers/order-cancel", map[string]any{"transferId": "o1", "cancellationId": "y", "orderDetail": map[string]any{"orderLines": []any{map[string]any{"productId": "A", "quantity": 9, "discounts": []any{}}}}, "discounts": []any{}}, 400, "PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED"), "PlatformCancellableProductQuantityExceededError")
	expect(a.fails("POST", "/platform/transfers/order", "{", 400, "INVALID_REQUEST"), "InvalidRequestError")

	for _, e := range c.errs {
		t.Error(e)
	}
}

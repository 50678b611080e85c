package emulator_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
)

const resourcesGolden = "testdata/resources.golden"

// step is one request of the resources script. A body of type string is
// sent as it is (malformed JSON, an empty body); anything else as JSON.
type step struct {
	method, path string
	body         any
}

// kindScript is the create / get / list / update / archive / recover
// sequence, with its error cases, for one kind of object under path.
// valid and other are create bodies without an id; invalid fails the
// settlement rules; patch and badPatch are update bodies; filters are list
// filters peculiar to the kind.
func kindScript(path string, valid, other, invalid, patch, badPatch map[string]any, filters ...map[string]any) []step {
	with := func(b map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range b {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	list := func(body any) step { return step{"GET", path + "?" + listQuery(body), nil} }
	steps := []step{
		{"POST", path, with(valid, "id", "k1", "memo", "first")},
		{"POST", path, with(other, "id", "k2")},
		{"POST", path, with(valid, "id", "k1")},                    // id taken
		{"POST", path, with(invalid, "id", "k1")},                  // id taken wins over invalid
		{"POST", path, valid},                                      // server-generated id
		{"POST", path, invalid},                                    // settlement rules
		{"POST", path, other},                                      // id after a failed create
		{"POST", path, "{"},                                        // malformed
		{"POST", path, ""},                                         // empty
		{"POST", path, `{"name":5}`},                               // wrong type
		{"POST", path, with(valid, "id", "k1", "isForTest", true)}, // other environment
		{"POST", path + "?test=maybe", with(valid, "id", "k9")},
		{"GET", path + "/k1", nil},
		{"GET", path + "/k1?test=true", nil},
		{"GET", path + "/nope", nil},
		{"GET", path + "/nope?test=1", nil},
		{"GET", path + "/k1?test=maybe", nil},
		{"GET", path, nil},
		{"GET", path, `{"page":{"number":0,"size":2}}`}, // GET body
		list(map[string]any{"page": map[string]any{"number": 1, "size": 2}}),
		list(map[string]any{"page": map[string]any{"number": 9, "size": 2}}),
		list(map[string]any{"page": map[string]any{"number": 0, "size": 0}}),
		list(map[string]any{"filter": map[string]any{"keyword": map[string]any{"id": "k"}}}),
		list(map[string]any{"filter": map[string]any{"keyword": map[string]any{"name": "zz"}}}),
		list(map[string]any{"filter": map[string]any{"isForTest": true}}),
		list(map[string]any{"filter": map[string]any{"isArchived": "yes"}}),
		list(map[string]any{"filter": map[string]any{"keyword": "k"}}),
		{"GET", path + "?requestBody=%7B", nil},
		{"PATCH", path + "/k1", patch},
		{"PATCH", path + "/k1", badPatch},
		{"PATCH", path + "/k1", `{"name":5}`},
		{"PATCH", path + "/k1", "{"},
		{"PATCH", path + "/k1", ""},
		{"PATCH", path + "/nope", patch},
		{"PATCH", path + "/nope", "{"},
		{"PATCH", path + "/k1?test=true", map[string]any{"memo": "test side"}},
		{"PATCH", path + "/k1?test=maybe", patch},
		{"POST", path + "/k1/archive", nil},
		{"POST", path + "/k1/archive", nil}, // twice
		{"POST", path + "/nope/archive", nil},
		{"POST", path + "/k1/archive?test=maybe", nil},
		{"PATCH", path + "/k1", patch}, // archived
		{"PATCH", path + "/k1", "{"},   // decoded before the archived check
		{"GET", path + "/k1", nil},
		{"GET", path, nil},
		list(map[string]any{"filter": map[string]any{"isArchived": true}}),
		list(map[string]any{"filter": map[string]any{"isArchived": false}}),
		{"POST", path + "/k1/recover", nil},
		{"POST", path + "/nope/recover", nil},
		{"PATCH", path + "/k1", map[string]any{"memo": "back"}},
		{"GET", path + "/k1?test=true", nil},
	}
	for _, f := range filters {
		steps = append(steps, list(map[string]any{"filter": f}))
	}
	return steps
}

func resourcesScript() []step {
	var s []step
	fee := func(rate int64) map[string]any { return map[string]any{"fixedRate": rate} }
	cycle := map[string]any{"lagDays": 1, "datePolicy": "CALENDAR_DAY", "method": map[string]any{"daily": map[string]any{}}}
	s = append(s, kindScript("/platform/contracts",
		map[string]any{"name": "kc", "platformFee": fee(10000), "settlementCycle": cycle, "platformFeeVatPayer": "MERCHANT"},
		map[string]any{"name": "other", "platformFee": map[string]any{"fixedAmount": 300}, "settlementCycle": map[string]any{
			"lagDays": 3, "datePolicy": "HOLIDAY_AFTER", "method": map[string]any{"weekly": map[string]any{"daysOfWeek": []string{"MON"}}},
		}, "platformFeeVatPayer": "PARTNER", "subtractPaymentVatAmount": true},
		map[string]any{"name": "bad", "platformFee": map[string]any{"fixedRate": 1, "fixedAmount": 1}, "settlementCycle": cycle, "platformFeeVatPayer": "MERCHANT"},
		map[string]any{"name": "renamed", "platformFee": fee(20000), "memo": "patched", "platformFeeVatPayer": "PARTNER",
			"settlementCycle":          map[string]any{"lagDays": 2, "datePolicy": "HOLIDAY_AFTER", "method": map[string]any{"monthly": map[string]any{"daysOfMonth": []int{15}}}},
			"subtractPaymentVatAmount": true},
		map[string]any{"platformFeeVatPayer": "NOBODY"},
		map[string]any{"platformFeePayers": []string{"PARTNER"}},
		map[string]any{"cycleTypes": []string{"WEEKLY"}},
		map[string]any{"cycleTypes": []string{"DAILY", "MONTHLY"}},
		map[string]any{"datePolicies": []string{"HOLIDAY_AFTER"}},
		map[string]any{"keyword": map[string]any{"id": "contract", "name": "o"}},
		map[string]any{"platformFeePayers": 1},
	)...)
	s = append(s, kindScript("/platform/discount-share-policies",
		map[string]any{"name": "kd", "partnerShareRate": 50000},
		map[string]any{"name": "other", "partnerShareRate": 0},
		map[string]any{"name": "bad", "partnerShareRate": 100001},
		map[string]any{"name": "renamed", "partnerShareRate": 30000, "memo": "patched"},
		map[string]any{"partnerShareRate": -1},
		map[string]any{"partnerShareRates": []int{30000, 0}},
		map[string]any{"partnerShareRates": []int{1}},
		map[string]any{"keyword": map[string]any{"id": "discount", "name": "kd"}},
		map[string]any{"partnerShareRates": "x"},
	)...)
	s = append(s, kindScript("/platform/additional-fee-policies",
		map[string]any{"name": "ka", "fee": fee(3000), "vatPayer": "PARTNER"},
		map[string]any{"name": "other", "fee": map[string]any{"fixedAmount": 100}, "vatPayer": "MERCHANT"},
		map[string]any{"name": "bad", "fee": map[string]any{}, "vatPayer": "PARTNER"},
		map[string]any{"name": "renamed", "fee": map[string]any{"fixedAmount": 700}, "memo": "patched", "vatPayer": "MERCHANT"},
		map[string]any{"vatPayer": "NOBODY"},
		map[string]any{"vatPayers": []string{"MERCHANT"}},
		map[string]any{"vatPayers": []string{"NOBODY"}},
		map[string]any{"keyword": map[string]any{"id": "additional", "name": "ka", "fee": "1"}},
		map[string]any{"vatPayers": "x"},
	)...)

	// Partners: their own handlers, against the contracts above.
	partner := func(id, contract string) map[string]any {
		p := partnerJSON(id, contract)
		if id == "" {
			delete(p, "id")
		}
		return p
	}
	s = append(s,
		step{"POST", "/platform/partners", partner("pk", "k1")},
		step{"POST", "/platform/partners", partner("pk", "k1")},
		step{"POST", "/platform/partners", partner("", "k2")},
		step{"POST", "/platform/partners", partner("px", "nope")},
		step{"POST", "/platform/partners", "{"},
		step{"POST", "/platform/partners/batch", map[string]any{"partners": []any{partner("pb1", "k1"), partner("pb2", "contractA")}}},
		step{"POST", "/platform/partners/batch", map[string]any{"partners": []any{partner("pb1", "k1")}}},
		step{"GET", "/platform/partners/pk", nil},
		step{"GET", "/platform/partners/nope", nil},
		step{"GET", "/platform/partners", nil},
		step{"GET", "/platform/partners?" + listQuery(map[string]any{"page": map[string]any{"number": 1, "size": 2}}), nil},
		step{"GET", "/platform/partners?" + listQuery(map[string]any{"filter": map[string]any{"contractIds": []string{"k1"}}}), nil},
		step{"GET", "/platform/partners?" + listQuery(map[string]any{"filter": map[string]any{"isArchived": "yes"}}), nil},
		step{"GET", "/platform/partners?" + listQuery(map[string]any{"page": map[string]any{"size": 0}}), nil},
		step{"GET", "/platform/partners?" + listQuery(map[string]any{"filter": map[string]any{"isForTest": true}}), nil},
		step{"PATCH", "/platform/partners/pk", map[string]any{"name": "renamed", "defaultContractId": "k2", "memo": "m"}},
		step{"PATCH", "/platform/partners/pk", map[string]any{"defaultContractId": "nope"}},
		step{"PATCH", "/platform/partners/nope", map[string]any{"name": "x"}},
		step{"POST", "/platform/partners/pk/archive", nil},
		step{"PATCH", "/platform/partners/pk", map[string]any{"name": "x"}},
		step{"GET", "/platform/partners?" + listQuery(map[string]any{"filter": map[string]any{"isArchived": true}}), nil},
		step{"POST", "/platform/partners/pk/recover", nil},
		step{"POST", "/platform/partners/nope/archive", nil},

		// Transfers see the updated contract and policies.
		step{"POST", "/platform/transfers/order", map[string]any{
			"id": "tk", "partnerId": "pk", "paymentId": "payk",
			"orderDetail":    map[string]any{"orderAmount": 10000},
			"discounts":      []any{map[string]any{"sharePolicyId": "k1", "amount": 1000}},
			"additionalFees": []any{map[string]any{"policyId": "k1"}},
		}},
		step{"POST", "/platform/discount-share-policies/k1/archive", nil},
		step{"GET", "/platform/transfers/tk", nil},

		// The platform setting.
		step{"PATCH", "/platform/setting", map[string]any{"defaultWithdrawalMemo": "w", "deductWht": true, "settlementAmountType": "NET"}},
		step{"PATCH", "/platform/setting", map[string]any{"settlementAmountType": "BOTH"}},
		step{"GET", "/platform/setting", nil},
		step{"GET", "/platform/setting?test=true", nil},
	)
	return s
}

// TestResourcesGolden replays a script of creates, gets, lists, updates,
// archives and recovers of every kind of object, error cases included,
// and compares every status, content type and body with
// testdata/resources.golden byte for byte. Regenerate with
// go test -run TestResourcesGolden -update.
func TestResourcesGolden(t *testing.T) {
	_, a, clk := seeded(t, emulator.Options{})
	var out strings.Builder
	for _, st := range resourcesScript() {
		clk.Advance(time.Second) // every appliedAt tells which step wrote it
		var body string
		switch b := st.body.(type) {
		case nil:
		case string:
			body = b
		default:
			j, err := json.Marshal(b)
			if err != nil {
				t.Fatal(err)
			}
			body = string(j)
		}
		var r resp
		if st.body == nil {
			r = a.do(st.method, st.path, nil)
		} else {
			r = a.do(st.method, st.path, body)
		}
		fmt.Fprintf(&out, "%s %s %s\n%d %s\n%s\n\n", st.method, st.path, body, r.status, r.header.Get("Content-Type"), r.raw)
	}
	got := out.String()
	if *update {
		if err := os.WriteFile(resourcesGolden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(resourcesGolden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestResourcesGolden -update)", err)
	}
	if got == string(want) {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("%s differs at line %d:\ngot:  %s\nwant: %s", resourcesGolden, i+1, gl, wl)
		}
	}
}

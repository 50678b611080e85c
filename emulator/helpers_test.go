package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/transfer"
)

const secret = "test-secret"

var kst = time.FixedZone("KST", 9*60*60)

// api is a raw JSON client of the emulator: tests speak the wire directly
// so that they check PortOne's shapes, not a client's assumptions.
type api struct {
	t    testing.TB
	base string
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r resp) str(path string) string {
	v, _ := r.get(path).(string)
	return v
}

func (r resp) num(path string) int64 {
	v, _ := r.get(path).(float64)
	return int64(v)
}

// get walks a dotted path ("transfer.amount.settlement", "items.0.id").
func (r resp) get(path string) any {
	var cur any = r.body
	for _, k := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[k]
		case []any:
			i := 0
			for _, ch := range k {
				i = i*10 + int(ch-'0')
			}
			if i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func (a api) do(method, path string, body any) resp {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(a.t.Context(), method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	req.Header.Set("Authorization", "PortOne "+secret)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			a.t.Fatalf("%s %s: response is not a JSON object: %v: %s", method, path, err, raw)
		}
	}
	return r
}

// ok asserts a 200 and returns the response.
func (a api) ok(method, path string, body any) resp {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.status != http.StatusOK {
		a.t.Fatalf("%s %s: status %d, want 200: %s", method, path, r.status, r.raw)
	}
	return r
}

// fails asserts a status and an error type.
func (a api) fails(method, path string, body any, status int, typ string) resp {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.status != status || r.str("type") != typ {
		a.t.Fatalf("%s %s: got %d %s, want %d %s: %s", method, path, r.status, r.str("type"), status, typ, r.raw)
	}
	return r
}

func listQuery(body any) string {
	b, _ := json.Marshal(body)
	return "requestBody=" + url.QueryEscape(string(b))
}

func i64(v int64) *int64 { return &v }

// contractA is portone-platform.md §8's contractA: 10 %, partner pays fee
// VAT, lag 2, monthly on the 31st (month end), holiday before.
func contractA() transfer.CreateContractBody {
	return transfer.CreateContractBody{
		ID: "contractA", Name: "A", PlatformFee: transfer.FeeInput{FixedRate: i64(10000)},
		SettlementCycle: transfer.CycleInput{
			LagDays: 2, DatePolicy: "HOLIDAY_BEFORE",
			Method: transfer.CycleMethodInput{Monthly: &transfer.MonthlyInput{DaysOfMonth: []int{31}}},
		},
		PlatformFeeVatPayer: "PARTNER",
	}
}

func partnerJSON(id, contractID string) map[string]any {
	return map[string]any{
		"id": id, "name": "Partner " + id,
		"contact":           map[string]any{"name": "Kim", "email": id + "@example.com"},
		"account":           map[string]any{"bank": "KOOKMIN", "currency": "KRW", "number": "123-456", "holder": "Kim"},
		"defaultContractId": contractID, "tags": []string{"seller"},
		"type": map[string]any{"business": map[string]any{"companyName": "Co " + id, "businessRegistrationNumber": "1234567890", "representativeName": "Kim"}},
	}
}

// seeded starts an emulator at 2023-08-11 09:00 KST with contractA,
// partners p1 and p2, a 50 % discount-share policy dsp50 and a 5 %
// additional-fee policy afp5 (partner pays VAT), in both environments.
func seeded(t testing.TB, opts emulator.Options) (*emulator.Server, api, *emulator.Clock) {
	t.Helper()
	clk := emulator.NewClock(time.Date(2023, 8, 11, 9, 0, 0, 0, kst))
	if opts.Now == nil {
		opts.Now = clk.Now
	}
	opts.Secret = secret
	srv, base := emulator.NewTestServer(t, opts)
	p1, _ := json.Marshal(partnerJSON("p1", "contractA"))
	p2, _ := json.Marshal(partnerJSON("p2", "contractA"))
	err := srv.SeedWith(emulator.SeedData{
		Contracts:             []transfer.CreateContractBody{contractA()},
		DiscountSharePolicies: []transfer.CreateDiscountSharePolicyBody{{ID: "dsp50", Name: "half", PartnerShareRate: 50000}},
		AdditionalFeePolicies: []transfer.CreateAdditionalFeePolicyBody{{ID: "afp5", Name: "pg", Fee: transfer.FeeInput{FixedRate: i64(5000)}, VatPayer: "PARTNER"}},
		Partners:              []json.RawMessage{p1, p2},
	})
	if err != nil {
		t.Fatal(err)
	}
	return srv, api{t: t, base: base}, clk
}

// order is a minimal order body (orderAmount form).
func order(id, paymentID, partnerID string, amount int64) map[string]any {
	b := map[string]any{
		"partnerId": partnerID, "paymentId": paymentID,
		"orderDetail": map[string]any{"orderAmount": amount},
		"discounts":   []any{}, "additionalFees": []any{},
	}
	if id != "" {
		b["id"] = id
	}
	return b
}

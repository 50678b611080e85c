package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// The indexes must answer exactly what rendering every transfer and
// matching the filter answered before them (the oracle below, which is the
// emulator's old list): the same transfers, each once across the pages, the
// same totalCount, and creation order when there is no date range.

func idxServe(t *testing.T, s *Server, method, target string, body any) (int, []byte) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, target, rd)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

func idxMust(t *testing.T, s *Server, method, target string, body any) {
	t.Helper()
	if st, b := idxServe(t, s, method, target, body); st != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, target, st, b)
	}
}

// randomState fills an emulator with orders on several start dates and
// under contracts of different cycles, cancels, manual and injected
// transfers, forced statuses and deletes, and sets the clock somewhere
// among them.
func randomState(t *testing.T, rng *rand.Rand) (*Server, *Clock) {
	seoul := time.FixedZone("KST", 9*60*60)
	clk := NewClock(time.Date(2024, 3, 1, 9, 0, 0, 0, seoul))
	s := New(Options{Now: clk.Now, Location: seoul})
	cycle := func(lag int, m transfer.CycleMethodInput) transfer.CycleInput {
		return transfer.CycleInput{LagDays: lag, DatePolicy: "CALENDAR_DAY", Method: m}
	}
	fee := int64(10000)
	var partners []json.RawMessage
	for i, c := range []string{"daily", "weekly", "daily"} {
		p, _ := json.Marshal(map[string]any{
			"id": fmt.Sprintf("p%d", i), "name": fmt.Sprintf("Partner %d", i),
			"contact":           map[string]any{"name": "Kim", "email": "k@example.com"},
			"account":           map[string]any{"bank": "KOOKMIN", "currency": "KRW", "number": "1", "holder": "Kim"},
			"defaultContractId": c, "tags": []string{fmt.Sprintf("t%d", i%2)},
			"type": map[string]any{"nonWhtPayer": map[string]any{}},
		})
		partners = append(partners, p)
	}
	err := s.SeedWith(SeedData{
		Contracts: []transfer.CreateContractBody{
			{ID: "daily", Name: "d", PlatformFee: transfer.FeeInput{FixedRate: &fee}, PlatformFeeVatPayer: "PARTNER",
				SettlementCycle: cycle(1, transfer.CycleMethodInput{Daily: &struct{}{}})},
			{ID: "weekly", Name: "w", PlatformFee: transfer.FeeInput{FixedRate: &fee}, PlatformFeeVatPayer: "MERCHANT",
				SettlementCycle: cycle(2, transfer.CycleMethodInput{Weekly: &transfer.WeeklyInput{DaysOfWeek: []string{"FRI"}}})},
		},
		DiscountSharePolicies: []transfer.CreateDiscountSharePolicyBody{{ID: "dsp", Name: "half", PartnerShareRate: 50000}},
		Partners:              partners,
	})
	if err != nil {
		t.Fatal(err)
	}
	day := func() string { return fmt.Sprintf("2024-03-%02d", 1+rng.IntN(8)) }
	var orders []string
	for i := range 120 {
		id := fmt.Sprintf("o%03d", i)
		body := map[string]any{
			"id": id, "partnerId": fmt.Sprintf("p%d", rng.IntN(3)), "paymentId": fmt.Sprintf("pay%03d", i),
			"settlementStartDate": day(), "memo": fmt.Sprintf("memo %d", i%7),
			"orderDetail": map[string]any{"orderLines": []any{
				map[string]any{"product": map[string]any{"id": "a", "name": "apple", "amount": 1000 + rng.IntN(9)*100}, "quantity": 1 + rng.IntN(3),
					"discounts": []any{map[string]any{"sharePolicyId": "dsp", "amount": 100}}, "additionalFees": []any{}},
				map[string]any{"product": map[string]any{"id": "b", "name": "banana", "amount": 500}, "quantity": 2, "discounts": []any{}, "additionalFees": []any{}},
			}},
			"discounts": []any{}, "additionalFees": []any{},
		}
		if rng.IntN(3) == 0 {
			body["externalPaymentDetail"] = map[string]any{"currency": "KRW", "orderName": "ext", "paidAt": "2024-03-01T00:00:00Z", "method": map[string]any{"card": map[string]any{}}}
			body["settlementStartDate"] = day()
		}
		idxMust(t, s, "POST", "/platform/transfers/order", body)
		orders = append(orders, id)
		if rng.IntN(8) == 0 {
			clk.Advance(time.Duration(rng.IntN(30)) * time.Hour)
		}
	}
	for i, o := range orders {
		if rng.IntN(4) != 0 {
			continue
		}
		body := map[string]any{"id": "c" + o, "transferId": o, "cancellationId": fmt.Sprintf("k%d", i), "settlementStartDate": day(), "discounts": []any{}}
		if rng.IntN(2) == 0 {
			body["orderDetail"] = map[string]any{"all": map[string]any{}}
		} else {
			body["orderDetail"] = map[string]any{"orderLines": []any{map[string]any{"productId": "b", "quantity": 1, "discounts": []any{}}}}
		}
		if st, b := idxServe(t, s, "POST", "/platform/transfers/order-cancel", body); st != http.StatusOK {
			// a cancel of an external payment needs externalCancellationDetail
			body["externalCancellationDetail"] = map[string]any{"cancelledAt": "2024-03-02T00:00:00Z"}
			if st2, b2 := idxServe(t, s, "POST", "/platform/transfers/order-cancel", body); st2 != http.StatusOK {
				t.Fatalf("cancel %s: %d %s, then %d %s", o, st, b, st2, b2)
			}
		}
	}
	for i := range 15 {
		idxMust(t, s, "POST", "/platform/transfers/manual", map[string]any{
			"id": fmt.Sprintf("m%02d", i), "partnerId": fmt.Sprintf("p%d", rng.IntN(3)), "settlementAmount": 100 + i, "settlementDate": day(),
		})
	}
	for i := range 10 {
		amt := transfer.AmountsToWire(settlement.Amounts{Order: 1, Payment: 1, Settlement: 1})
		tr := transfer.Transfer{
			ID: fmt.Sprintf("inj%02d", i), Partner: json.RawMessage(fmt.Sprintf(`{"id":"p%d"}`, rng.IntN(4))), Amount: &amt,
			SettlementStartDate: day(), SettlementDate: day(), Payment: &transfer.Payment{Type: "EXTERNAL", ID: fmt.Sprintf("ghost%d", i), Currency: "KRW"},
		}
		if rng.IntN(3) == 0 {
			tr.Status = "PAYOUT_CONFIRMED"
		}
		if rng.IntN(4) == 0 {
			tr.Type = "MANUAL"
		}
		s.Inject(tr)
	}
	all := s.Transfers(false)
	for range 12 {
		id := all[rng.IntN(len(all))].ID
		st := []settlement.TransferStatus{settlement.StatusPaidOut, settlement.StatusInPayout, settlement.StatusScheduled, ""}[rng.IntN(4)]
		s.ForceStatus(false, id, st)
	}
	for range 10 {
		id := all[rng.IntN(len(all))].ID
		_, _ = idxServe(t, s, "DELETE", "/platform/transfers/"+id, nil) // some are not deletable
	}
	clk.Set(time.Date(2024, 3, 1+rng.IntN(12), 12, 0, 0, 0, seoul))
	return s, clk
}

// oracle is the old list: every transfer rendered in creation order and
// matched.
func oracle(s *Server, f *transferFilter) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.env(false)
	today := s.today()
	pc := partnerCache{}
	var ids []string
	e.transfers.each(func(t *transferRec) {
		w := s.render(e, t, today, nil)
		if f.match(w, pc.parse(w.Partner)) {
			ids = append(ids, w.ID)
		}
	})
	return ids
}

func randomFilter(rng *rand.Rand) map[string]any {
	f := map[string]any{}
	dates := []string{"", "2024-03-01", "2024-03-03", "2024-03-05", "2024-03-08", "2024-03-12", "2024-3-4", "z"}
	r := func() map[string]any {
		m := map[string]any{"from": dates[rng.IntN(len(dates))]}
		if rng.IntN(4) != 0 {
			m["until"] = dates[rng.IntN(len(dates))]
		}
		return m
	}
	switch rng.IntN(3) {
	case 0:
		f["settlementStartDateRange"] = r()
	case 1:
		f["settlementDateRange"] = r()
	}
	pick := func(all []string) []string {
		var out []string
		for _, x := range all {
			if rng.IntN(3) == 0 {
				out = append(out, x)
			}
		}
		return out
	}
	if rng.IntN(2) == 0 {
		f["types"] = pick([]string{"ORDER", "ORDER_CANCEL", "MANUAL"})
	}
	if rng.IntN(2) == 0 {
		f["statuses"] = pick([]string{"SCHEDULED", "IN_PROCESS", "SETTLED", "PAYOUT_CONFIRMED", "PAID_OUT", "IN_PAYOUT"})
	}
	switch rng.IntN(8) {
	case 0:
		f["partnerIds"] = pick([]string{"p0", "p1", "p2", "p3"})
	case 1:
		f["keyword"] = map[string]any{"paymentId": fmt.Sprintf("pay0%d", rng.IntN(10))}
	case 2:
		f["contractIds"] = pick([]string{"daily", "weekly", ""}) // "": MANUAL transfers have no contract
	case 3:
		f["partnerTags"] = []string{"t1"}
	case 4:
		f["keyword"] = map[string]any{"transferMemo": "memo 3"}
	}
	return f
}

func TestListMatchesOracle(t *testing.T) {
	for seed := range uint64(6) {
		rng := rand.New(rand.NewPCG(seed, 99))
		s, _ := randomState(t, rng)
		for range 60 {
			fm := randomFilter(rng)
			fb, _ := json.Marshal(fm)
			var f transferFilter
			if err := json.Unmarshal(fb, &f); err != nil {
				t.Fatal(err)
			}
			want := oracle(s, &f)
			size := 1 + rng.IntN(25)
			var got []string
			for n := 0; ; n++ {
				q, _ := json.Marshal(map[string]any{"filter": fm, "page": map[string]any{"number": n, "size": size}})
				st, b := idxServe(t, s, "GET", "/platform/transfer-summaries?requestBody="+url.QueryEscape(string(q)), nil)
				if st != http.StatusOK {
					t.Fatalf("seed %d %s: %d %s", seed, q, st, b)
				}
				var out struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"transferSummaries"`
					Page transfer.PageInfo `json:"page"`
				}
				if err := json.Unmarshal(b, &out); err != nil {
					t.Fatal(err)
				}
				if out.Page.TotalCount != len(want) {
					t.Fatalf("seed %d %s: totalCount %d, want %d", seed, q, out.Page.TotalCount, len(want))
				}
				for _, it := range out.Items {
					got = append(got, it.ID)
				}
				if len(out.Items) == 0 {
					break
				}
				if n > len(want) {
					t.Fatalf("seed %d %s: pages never end", seed, fb)
				}
			}
			if len(got) != len(want) {
				t.Fatalf("seed %d filter %s: %d transfers over the pages, want %d:\n got %v\nwant %v", seed, fb, len(got), len(want), got, want)
			}
			if fm["settlementStartDateRange"] == nil && fm["settlementDateRange"] == nil {
				if !slices.Equal(got, want) {
					t.Fatalf("seed %d filter %s: not in creation order:\n got %v\nwant %v", seed, fb, got, want)
				}
				continue
			}
			sg, sw := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
			if !slices.Equal(sg, sw) || len(slices.Compact(sg)) != len(got) {
				t.Fatalf("seed %d filter %s:\n got %v\nwant %v", seed, fb, got, want)
			}
		}
	}
}

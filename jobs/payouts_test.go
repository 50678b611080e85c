package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/emulator"
	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
	"github.com/settle-dev/settle/store/storetest"
	"github.com/settle-dev/settle/transfer"
)

// payoutPartner is a seed partner on contract c-daily.
func payoutPartner(id string, typ map[string]any) json.RawMessage {
	b, _ := json.Marshal(map[string]any{
		"id": id, "name": "Partner " + id, "contact": map[string]any{"name": id, "email": id + "@example.com"},
		"account":           map[string]any{"bank": "KOOKMIN", "currency": "KRW", "number": "99988877766655", "holder": id},
		"defaultContractId": "c-daily", "tags": []string{}, "type": typ,
	})
	return b
}

// TestPayoutsEndToEnd: demo-like data through the nightly pipeline, then
// the payouts job against the emulator over loopback on a real SQLite
// store (and PostgreSQL when there is one), with NET and deductWht on. Every partner settlement and payout
// reconciles to the won, except what the test makes differ: a tampered
// withholding amount, a failed payout and a withheld settlement, each
// reported exactly once with its reason. A partner whose cancel lands on a
// settlement date of its own nets negative there and gets no payout.
func TestPayoutsEndToEnd(t *testing.T) {
	for _, db := range storetest.Databases(t) {
		t.Run(db.Name, func(t *testing.T) { testPayoutsEndToEnd(t, db.Name, db.DSN) })
	}
}

func testPayoutsEndToEnd(t *testing.T, dbName, dsn string) {
	ctx := context.Background()
	h := newHarness(t, dsn, filepath.Join("..", "testdata", "pipeline", "marketplace.json"))
	business := map[string]any{"business": map[string]any{"companyName": "Co", "businessRegistrationNumber": "1234567890", "representativeName": "Kim"}}
	err := h.emu.SeedWith(emulator.SeedData{
		Partners: []json.RawMessage{
			payoutPartner("pw", map[string]any{"whtPayer": map[string]any{"birthdate": "1990-01-01"}}), // withheld 3.3 %
			payoutPartner("pn", business), // nets negative on its cancel's date
			payoutPartner("pf", business), // its payout fails
			payoutPartner("ph", business), // its settlement is withheld
		},
		Setting: json.RawMessage(`{"deductWht": true, "settlementAmountType": "NET"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	recs := recordFiles(t)
	rep := h.importFiles(t, recs("orders.jsonl", `{"partnerId": "pw", "paymentId": "w-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 1000000}}
{"partnerId": "pn", "paymentId": "n-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 50000}}
{"partnerId": "pn", "paymentId": "n-2", "paidAt": "2025-09-29T11:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 7000}}
{"partnerId": "pf", "paymentId": "f-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 20000}}
{"partnerId": "ph", "paymentId": "h-1", "paidAt": "2025-09-29T10:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 30000}}
{"partnerId": "pn", "paymentId": "n-1", "cancellationId": "n-1-x", "cancelledAt": "2025-09-30T10:00:00+09:00", "orderDetail": {"all": {}}, "discounts": []}
`))
	if !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	day1, day2 := settlement.MustDate("2025-09-29"), settlement.MustDate("2025-09-30")
	if res, err := h.nightlyAt(t, day1); err != nil {
		t.Fatalf("nightly %s: %v\n%+v", day1, err, res)
	}
	// ph's settlement is withheld after the first night; an order of the
	// same day arrives late, settles the next night on the same settlement
	// date and starts a second settlement of the same key at PortOne,
	// which its payout pays.
	var hDate settlement.Date
	for _, tr := range h.emu.Transfers(false) {
		if tr.ID != "" && strings.Contains(string(tr.Partner), `"ph"`) {
			hDate = settlement.MustDate(tr.SettlementDate)
		}
	}
	h.emu.ControlPayout(false, "ph", hDate, emulator.PayoutWithhold, "")
	if rep := h.importFiles(t, recs("late.jsonl", `{"partnerId": "ph", "paymentId": "h-2", "paidAt": "2025-09-29T22:00:00+09:00", "discounts": [], "additionalFees": [], "orderDetail": {"orderAmount": 4000}}
`)); !rep.OK() {
		t.Fatalf("import late: %+v", rep)
	}
	// Its nightly's payouts job already sees the withheld settlement.
	if res, err := h.nightlyAt(t, day2); !errors.Is(err, ErrMismatches) {
		t.Fatalf("nightly %s: %v\n%+v", day2, err, res)
	}
	// The settlement dates PortOne gave each partner's transfers.
	dates := map[string][]settlement.Date{}
	var last settlement.Date
	for _, tr := range h.emu.Transfers(false) {
		var p struct{ ID string }
		_ = json.Unmarshal(tr.Partner, &p)
		d := settlement.MustDate(tr.SettlementDate)
		dates[p.ID] = append(dates[p.ID], d)
		last = maxDate(last, d)
	}
	if len(dates["pn"]) != 3 || dates["pn"][2] == dates["pn"][0] {
		t.Fatalf("pn's cancel should settle on a date of its own: %v", dates["pn"])
	}
	if len(dates["ph"]) != 2 || dates["ph"][1] != hDate {
		t.Fatalf("ph's late order should settle on %s: %v", hDate, dates["ph"])
	}
	fDate, wDate := dates["pf"][0], dates["pw"][0]
	h.emu.ControlPayout(false, "pf", fDate, emulator.PayoutFail, "account closed")
	h.emu.TamperPayouts(false, func(p *transfer.Payout) {
		if p.Partner.ID == "pw" {
			p.IncomeTaxAmount -= 10
		}
	})

	// On pf's payout date, before processing: its payout is scheduled.
	h.clock.Set(time.Date(fDate.Year, fDate.Month, fDate.Day, 9, 0, 0, 0, h.loc))
	if _, err := h.p.RunJob(ctx, JobPayouts, fDate, RunOptions{}); err != nil && !errors.Is(err, ErrMismatches) {
		t.Fatal(err)
	}
	// The day after the last settlement date: everything processed.
	h.clock.Set(time.Date(last.Year, last.Month, last.Day+1, 2, 0, 0, 0, h.loc))
	res, err := h.p.RunJob(ctx, JobPayouts, last, RunOptions{Force: true})
	if !errors.Is(err, ErrMismatches) {
		t.Fatalf("payouts: %v, want ErrMismatches\n%+v", err, res)
	}
	from, until := last.AddDays(-PayoutLookback), last.AddDays(PayoutHorizon)
	ms, err := h.st.PayoutMismatches(ctx, from, until)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, fmt.Sprintf("%s %s %s %s %d→%d", m.PayoutDate, m.PartnerID, m.Reason, m.Field, m.Local, m.PortOne))
	}
	checks, err := h.st.PayoutChecks(ctx, from, until)
	if err != nil {
		t.Fatal(err)
	}
	byPartner := map[settlement.PartnerID][]store.PayoutCheck{}
	for _, c := range checks {
		byPartner[c.PartnerID] = append(byPartner[c.PartnerID], c)
	}
	pw := byPartner["pw"]
	if len(pw) != 1 || pw[0].Ours == nil || pw[0].Theirs == nil {
		t.Fatalf("pw checks: %+v", pw)
	}
	wantIT := pw[0].Ours.IncomeTax
	want := []string{
		fmt.Sprintf("%s ph PAYOUT_WITHHELD status 0→%d", hDate, withheld(t, byPartner["ph"]).Ours.Settlement),
		fmt.Sprintf("%s pw PAYOUT_AMOUNT_DIFFERS incomeTaxAmount %d→%d", wDate, wantIT, wantIT-10),
		fmt.Sprintf("%s pf PAYOUT_FAILED status 0→%d", fDate, byPartner["pf"][0].Ours.Amount),
	}
	// pn's negative net is flagged (never clamped), with its amount on both
	// sides: PortOne's settlements of the date tie to ours.
	if pn := byPartner["pn"]; len(pn) == 2 && pn[1].Ours != nil {
		a := pn[1].Ours.Amount
		want = append(want, fmt.Sprintf("%s pn PAYOUT_NEGATIVE amount %d→%d", pn[1].PayoutDate, a, a))
	}
	if fmt.Sprint(sortedStrings(got)) != fmt.Sprint(sortedStrings(want)) {
		t.Errorf("mismatches:\n got %q\nwant %q", got, want)
	}
	if res.Counts["payout_attention"] != 3 {
		t.Errorf("payout_attention = %d, want 3 (failed, withheld, negative)", res.Counts["payout_attention"])
	}

	// Every payout reconciles to the won (pw's but for the tampered field).
	for _, c := range checks {
		if c.Theirs == nil {
			continue
		}
		o, th := *c.Ours, *c.Theirs
		if c.PartnerID == "pw" {
			th.IncomeTax += 10
		}
		if o != th {
			t.Errorf("payout %s of %s: ours %+v, PortOne %+v", c.PayoutID, c.PartnerID, o, th)
		}
	}
	// Withholding on the VAT-free individual: 3 % and 10 % of it, truncated
	// to 10 won; NET adds 10 % VAT on a business's taxable part.
	if o := pw[0].Ours; o.VAT != 0 || o.IncomeTax != o.Settlement*3/100/10*10 || o.LocalIncomeTax != o.IncomeTax/10/10*10 ||
		o.Amount != o.Settlement-o.IncomeTax-o.LocalIncomeTax {
		t.Errorf("pw payout %+v", o)
	}
	pf := byPartner["pf"]
	if o := pf[0].Ours; len(pf) != 1 || o.VAT != (o.Settlement-o.SettlementTaxFree)/10 || o.Amount != o.Settlement+o.VAT || pf[0].Status != "FAILED" || pf[0].FailReason != "account closed" {
		t.Errorf("pf check %+v", pf)
	}
	// pn: a payout on its order's date, none on its cancel's (negative).
	pn := byPartner["pn"]
	if len(pn) != 2 || pn[0].Theirs == nil || pn[1].Theirs != nil || pn[1].Ours == nil || pn[1].Ours.Amount >= 0 ||
		pn[1].Ours.Amount != pn[1].Ours.Settlement+pn[1].Ours.VAT || fmt.Sprint(pn[1].Reasons) != "[PAYOUT_NEGATIVE]" {
		t.Errorf("pn checks %+v", pn)
	}
	// ph: its key split at PortOne; the late order's settlement paid, the
	// withheld one shown apart, and the key reconciles (no settlement
	// mismatch above).
	// (Checks come by date, partner and payout id: the withheld one, with
	// no payout id, first.)
	if ph := byPartner["ph"]; len(ph) != 2 || ph[1].PayoutID == "" || ph[1].Ours == nil || ph[1].Ours.Settlement >= withheld(t, ph).Ours.Settlement ||
		ph[0].Status != "PAYOUT_WITHHELD" || ph[0].Theirs != nil || ph[0].Ours == nil {
		t.Errorf("ph checks %+v", ph)
	}
	// pf's payout's history: scheduled, then failed.
	hist, err := h.st.PayoutHistory(ctx, pf[0].PayoutID)
	if err != nil || len(hist) != 2 || hist[0].Status != "SCHEDULED" || hist[1].Status != "FAILED" || hist[1].Detail != "account closed" {
		t.Errorf("pf payout history %+v, %v", hist, err)
	}
	// The workbook's Payouts sheet, read back: pf's failed payout with its
	// reason, ours beside PortOne's.
	var buf bytes.Buffer
	if err := h.p.ExportTo(ctx, &buf, last, last, ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(reports.SheetName(reports.SheetPayouts, reports.LangKO))
	if err != nil || len(rows) != 2+len(checks) {
		t.Fatalf("Payouts sheet: %d rows, %v; want %d", len(rows), err, 2+len(checks))
	}
	col := func(name string) int { return slices.Index(rows[0], name) }
	found := false
	for _, r := range rows[2:] {
		if r[col("파트너 ID")] == "pf" {
			found = true
			if r[col("상태")] != "지급 실패" || r[col("실패 사유")] != "account closed" || r[col("지급금액")] != r[col("PortOne 지급금액")] ||
				r[col("확인 사유")] != "지급 실패" {
				t.Errorf("pf row %q", r)
			}
		}
		// pn's negative net: its amount as it is, with why nothing is paid.
		if r[col("파트너 ID")] == "pn" && r[col("PortOne 지급금액")] == "" &&
			(!strings.HasPrefix(r[col("지급금액")], "-") || !strings.HasPrefix(r[col("확인 사유")], "순액 음수")) {
			t.Errorf("pn row %q", r)
		}
	}
	if !found {
		t.Errorf("no row of pf in %q", rows)
	}
	// settle status (and GET /v1/status) count them and say what to do.
	status, err := ReadStatus(ctx, h.st, StatusOptions{Now: h.clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if status.PayoutIssues[settlement.PayoutFailedReason] != 1 || !slices.ContainsFunc(status.Attention, func(a string) bool {
		return strings.Contains(a, "PAYOUT_FAILED") && strings.Contains(a, "settle run payouts")
	}) {
		t.Errorf("status: payout issues %v, attention %q; want the failed payout with the command", status.PayoutIssues, status.Attention)
	}
	// A rerun finds the same, stores no new state.
	res, err = h.p.RunJob(ctx, JobPayouts, last, RunOptions{Force: true})
	if !errors.Is(err, ErrMismatches) || res.Counts["payout_mismatches"] != 4 || res.Counts["payout_states_new"] != 0 || res.Counts["partner_settlement_states_new"] != 0 {
		t.Errorf("rerun: %v %+v", err, res.Counts)
	}
	// Payouts carry the partner's bank account; none is stored.
	if dbName == "sqlite" {
		checkNoAccountNumbers(t, h, dsn, "99988877766655")
	}
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// withheld is the check of cs whose status is PAYOUT_WITHHELD.
func withheld(t *testing.T, cs []store.PayoutCheck) store.PayoutCheck {
	t.Helper()
	for _, c := range cs {
		if c.Status == "PAYOUT_WITHHELD" && c.Ours != nil {
			return c
		}
	}
	t.Fatalf("no withheld check in %+v", cs)
	return store.PayoutCheck{}
}

package settlement

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The payout figures of the help center (portone-platform.md §8.3): a
// partner settlement of 1,000,000 won under each setting. The help table
// mixes partner kinds for illustration (NET applies only to taxable
// businesses, withholding only to WHT_PAYER partners), so P2 is reached
// only with an explicit treatment; the others also through TreatmentOf
// with a partner each setting can apply to.
func TestPayoutHelpCenterCases(t *testing.T) {
	tests := []struct {
		name     string
		treat    Treatment
		profile  *TaxProfile
		setting  PayoutSetting
		wantVAT  Won
		wantWHT  Won
		wantPaid Won
	}{
		{"P1 GROSS deductWht", Treatment{VAT: VATNone, Withhold: true}, &TaxProfile{Type: PartnerWhtPayer}, PayoutSetting{AmountType: AmountGross, DeductWht: true}, 0, 33_000, 967_000},
		{"P2 NET deductWht (illustration)", Treatment{VAT: VATAdded, Withhold: true}, nil, PayoutSetting{}, 100_000, 36_300, 1_063_700},
		{"P3 GROSS", Treatment{VAT: VATIncluded}, &TaxProfile{Type: PartnerBusiness, Taxation: TaxationNormal}, PayoutSetting{AmountType: AmountGross}, 90_909, 0, 1_000_000},
		{"P4 NET", Treatment{VAT: VATAdded}, &TaxProfile{Type: PartnerBusiness, Taxation: TaxationNormal}, PayoutSetting{AmountType: AmountNet}, 100_000, 0, 1_100_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.profile != nil {
				got, err := TreatmentOf(*tt.profile, tt.setting)
				if err != nil || got != tt.treat {
					t.Fatalf("TreatmentOf(%+v, %+v) = %+v, %v; want %+v", *tt.profile, tt.setting, got, err, tt.treat)
				}
			}
			p, err := PayoutOf(1_000_000, 0, tt.treat, DefaultPayoutRules)
			if err != nil {
				t.Fatalf("PayoutOf(1000000, %+v) error: %v", tt.treat, err)
			}
			wht, _ := p.Withholding()
			if p.VAT != tt.wantVAT || wht != tt.wantWHT || p.Amount != tt.wantPaid {
				t.Errorf("PayoutOf(1000000, %+v) = VAT %d, withholding %d, payout %d; want %d, %d, %d",
					tt.treat, p.VAT, wht, p.Amount, tt.wantVAT, tt.wantWHT, tt.wantPaid)
			}
		})
	}
}

func TestTreatmentOf(t *testing.T) {
	net := PayoutSetting{AmountType: AmountNet, DeductWht: true}
	gross := PayoutSetting{AmountType: AmountGross, DeductWht: true}
	tests := []struct {
		p       TaxProfile
		s       PayoutSetting
		want    Treatment
		wantErr bool
	}{
		{TaxProfile{PartnerBusiness, TaxationNormal}, net, Treatment{VAT: VATAdded}, false},
		{TaxProfile{PartnerBusiness, ""}, net, Treatment{VAT: VATAdded}, false},
		{TaxProfile{PartnerBusiness, TaxationSimple}, net, Treatment{VAT: VATAdded}, false},
		{TaxProfile{PartnerBusiness, TaxationSimpleInvoice}, gross, Treatment{VAT: VATIncluded}, false},
		{TaxProfile{PartnerBusiness, TaxationTaxFree}, net, Treatment{}, false},
		{TaxProfile{PartnerWhtPayer, ""}, net, Treatment{Withhold: true}, false},
		{TaxProfile{PartnerWhtPayer, ""}, PayoutSetting{AmountType: AmountNet}, Treatment{}, false},
		{TaxProfile{PartnerNonWhtPayer, ""}, gross, Treatment{}, false},
		{TaxProfile{"FOREIGN", ""}, gross, Treatment{}, true},
		{TaxProfile{PartnerBusiness, "ZERO_RATED"}, gross, Treatment{}, true},
		{TaxProfile{PartnerBusiness, TaxationNormal}, PayoutSetting{AmountType: "HALF"}, Treatment{}, true},
	}
	for _, tt := range tests {
		got, err := TreatmentOf(tt.p, tt.s)
		if tt.wantErr {
			if !errors.Is(err, ErrUnknownPayoutTerms) {
				t.Errorf("TreatmentOf(%+v, %+v) error = %v, want ErrUnknownPayoutTerms", tt.p, tt.s, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("TreatmentOf(%+v, %+v) = %+v, %v; want %+v", tt.p, tt.s, got, err, tt.want)
		}
	}
}

func TestPayoutOfWithholdingRounding(t *testing.T) {
	w := Treatment{Withhold: true}
	tests := []struct {
		name          string
		settlement    Won
		rules         PayoutRules
		income, local Won
	}{
		{"truncated below 10 won", 123_457, DefaultPayoutRules, 3_700, 370}, // 3703.71 → 3700; 370
		{"local truncated too", 33_350, DefaultPayoutRules, 1_000, 100},     // 1000.5 → 1000; 100
		{"to the won", 123_457, PayoutRules{VAT: RoundDown, Withholding: RoundDown, WithholdingUnit: 1}, 3_703, 370},
		{"half up to 10", 123_457, PayoutRules{VAT: RoundDown, Withholding: RoundHalfUp, WithholdingUnit: 10}, 3_700, 370},
		{"up to 10", 123_457, PayoutRules{VAT: RoundDown, Withholding: RoundUp, WithholdingUnit: 10}, 3_710, 380},
		{"small amount exempt", 33_000, PayoutRules{VAT: RoundDown, Withholding: RoundDown, WithholdingUnit: 10, ExemptBelow: 1_000}, 0, 0},
		{"at the exemption", 33_340, PayoutRules{VAT: RoundDown, Withholding: RoundDown, WithholdingUnit: 10, ExemptBelow: 1_000}, 1_000, 100},
		{"nothing on a negative payout", -50_000, DefaultPayoutRules, 0, 0},
		{"nothing on zero", 0, DefaultPayoutRules, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := PayoutOf(tt.settlement, 0, w, tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			if p.IncomeTax != tt.income || p.LocalIncomeTax != tt.local || p.Amount != tt.settlement-tt.income-tt.local {
				t.Errorf("PayoutOf(%d, withhold, %+v) = income %d, local %d, amount %d; want %d, %d, %d",
					tt.settlement, tt.rules, p.IncomeTax, p.LocalIncomeTax, p.Amount, tt.income, tt.local, tt.settlement-tt.income-tt.local)
			}
		})
	}
}

func TestPayoutOfVATOnTaxablePart(t *testing.T) {
	// NET: VAT only on the taxable part; GROSS: the VAT the taxable part
	// contains; tax-free passes through.
	p, err := PayoutOf(55_000, 22_000, Treatment{VAT: VATAdded}, DefaultPayoutRules)
	if err != nil {
		t.Fatal(err)
	}
	if want := (PayoutAmounts{Settlement: 55_000, SettlementTaxFree: 22_000, Supply: 33_000, TaxFree: 22_000, VAT: 3_300, Amount: 58_300}); p != want {
		t.Errorf("NET PayoutOf(55000, 22000) = %+v, want %+v", p, want)
	}
	p, err = PayoutOf(55_000, 22_000, Treatment{VAT: VATIncluded}, DefaultPayoutRules)
	if err != nil {
		t.Fatal(err)
	}
	if want := (PayoutAmounts{Settlement: 55_000, SettlementTaxFree: 22_000, Supply: 30_000, TaxFree: 22_000, VAT: 3_000, Amount: 55_000}); p != want {
		t.Errorf("GROSS PayoutOf(55000, 22000) = %+v, want %+v", p, want)
	}
}

func TestPayoutOfNeverWraps(t *testing.T) {
	for _, tt := range []struct {
		s, tf Won
		treat Treatment
	}{
		{math.MaxInt64, 0, Treatment{VAT: VATAdded}},
		{math.MinInt64, 1, Treatment{}},
		{math.MaxInt64 - 5, -10, Treatment{VAT: VATIncluded}},
	} {
		if _, err := PayoutOf(tt.s, tt.tf, tt.treat, DefaultPayoutRules); !errors.Is(err, ErrPayoutOutOfRange) {
			t.Errorf("PayoutOf(%d, %d, %+v) error = %v, want ErrPayoutOutOfRange", tt.s, tt.tf, tt.treat, err)
		}
	}
	// The largest withholding base still withholds exactly.
	p, err := PayoutOf(math.MaxInt64, 0, Treatment{Withhold: true}, DefaultPayoutRules)
	if err != nil || p.IncomeTax != 276_701_161_105_643_270 || p.LocalIncomeTax != 27_670_116_110_564_320 {
		t.Errorf("PayoutOf(MaxInt64, withhold) = %+v, %v", p, err)
	}
}

func TestPayoutRulesValidate(t *testing.T) {
	if err := DefaultPayoutRules.Validate(); err != nil {
		t.Errorf("DefaultPayoutRules.Validate() = %v", err)
	}
	for _, r := range []PayoutRules{
		{VAT: "SIDEWAYS", Withholding: RoundDown, WithholdingUnit: 10},
		{VAT: RoundDown, Withholding: "", WithholdingUnit: 10},
		{VAT: RoundDown, Withholding: RoundDown, WithholdingUnit: 0},
		{VAT: RoundDown, Withholding: RoundDown, WithholdingUnit: 10, ExemptBelow: -1},
	} {
		if err := r.Validate(); err == nil {
			t.Errorf("%+v.Validate() = nil, want an error", r)
		}
	}
}

func TestSettlementBookKeyIsNotUnique(t *testing.T) {
	k := SettlementKey{PartnerID: "p", ContractID: "c", Kind: KindOrder, SettlementDate: MustDate("2025-10-01"), Currency: KRW}
	b := NewSettlementBook(false)
	a := Amounts{Settlement: 8_900, Order: 10_000}
	i, _ := b.Add(k, MustDate("2025-09-29"), a)
	j, _ := b.Add(k, MustDate("2025-09-30"), a)
	if i != j || b.Len() != 1 || b.At(i).Amounts.Settlement != 17_800 || b.At(i).Transfers != 2 {
		t.Fatalf("two transfers of one key: %d, %d, %+v; want one settlement of 17800", i, j, b.Settlements())
	}
	if s := b.At(i); s.StartFrom != MustDate("2025-09-29") || s.StartUntil != MustDate("2025-09-30") {
		t.Errorf("start date range = %s..%s, want 2025-09-29..2025-09-30", s.StartFrom, s.StartUntil)
	}
	for _, st := range []PartnerSettlementStatus{SettlementPayoutFailed, SettlementPayoutWithheld, SettlementPayoutScheduled} {
		b.SetStatus(b.Len()-1, st)
		n, _ := b.Add(k, MustDate("2025-09-30"), a)
		if n != b.Len()-1 || n == 0 || b.At(n).Amounts.Settlement != 8_900 {
			t.Errorf("after %s, a new transfer of the key joined settlement %d of %d (%+v); want a new one", st, n, b.Len(), b.At(n))
		}
	}
	if b.Len() != 4 {
		t.Errorf("settlements = %d, want 4 of one key", b.Len())
	}
	// PAYOUT_PREPARED keeps the key open.
	b.SetStatus(b.Len()-1, SettlementPayoutPrepared)
	if n, _ := b.Add(k, Date{}, a); n != b.Len()-1 || b.Len() != 4 {
		t.Errorf("PAYOUT_PREPARED closed its key: joined %d of %d", n, b.Len())
	}
	// Removing a transfer takes its amounts back out.
	if err := b.Remove(0, a); err != nil || b.At(0).Amounts.Settlement != 8_900 || b.At(0).Transfers != 1 {
		t.Errorf("Remove: %v, %+v", err, b.At(0))
	}
}

func TestSettlementBookManualPerTransfer(t *testing.T) {
	k := SettlementKey{PartnerID: "p", Kind: KindManual, SettlementDate: MustDate("2025-10-01"), Currency: KRW}
	for _, per := range []bool{false, true} {
		b := NewSettlementBook(per)
		b.Add(k, Date{}, Amounts{Settlement: 1_000})
		b.Add(k, Date{}, Amounts{Settlement: -300})
		want := 1
		if per {
			want = 2
		}
		if b.Len() != want {
			t.Errorf("manualSettlementPerTransfer=%v: %d settlements, want %d", per, b.Len(), want)
		}
	}
}

func TestSettlementBookOverflowLeavesBookUnchanged(t *testing.T) {
	k := SettlementKey{PartnerID: "p", ContractID: "c", Kind: KindOrder, SettlementDate: MustDate("2025-10-01"), Currency: KRW}
	b := NewSettlementBook(false)
	if _, err := b.Add(k, Date{}, Amounts{Settlement: math.MaxInt64}); err != nil {
		t.Fatal(err)
	}
	_, err := b.Add(k, Date{}, Amounts{Settlement: 1})
	if e, ok := AsError(err); !ok || e.Field != "settlement" {
		t.Fatalf("Add beyond the range = %v, want an *Error naming settlement", err)
	}
	if s := b.At(0); s.Amounts.Settlement != math.MaxInt64 || s.Transfers != 1 || b.Len() != 1 {
		t.Errorf("after a refused Add: %+v (%d settlements)", s, b.Len())
	}
	k2 := k
	k2.PartnerID = "q"
	b.Add(k2, Date{}, Amounts{Settlement: math.MinInt64})
	if _, err := b.Add(k2, Date{}, Amounts{Settlement: -1}); err == nil || b.Len() != 2 {
		t.Errorf("Add below the range = %v, %d settlements", err, b.Len())
	}
}

func TestCompareSettlementsSumsPortOnesSplits(t *testing.T) {
	k := SettlementKey{PartnerID: "p", ContractID: "c", Kind: KindOrder, SettlementDate: MustDate("2025-10-01"), Currency: KRW}
	k2, k3 := k, k
	k2.Kind, k3.PartnerID = KindOrderCancel, "q"
	ours := []PartnerSettlement{
		{Key: k, Amounts: Amounts{Settlement: 17_800, Order: 20_000}},
		{Key: k2, Amounts: Amounts{Settlement: 4_450, Order: 5_000}},
	}
	theirs := []PartnerSettlement{
		{ID: "ps-1", Key: k, Status: SettlementPayoutFailed, Amounts: Amounts{Settlement: 8_900, Order: 10_000}},
		{ID: "ps-2", Key: k, Status: SettlementPayoutPrepared, Amounts: Amounts{Settlement: 8_900, Order: 10_000}},
		{ID: "ps-3", Key: k3, Amounts: Amounts{Settlement: 100, Order: 100}},
	}
	got := CompareSettlements(ours, theirs)
	type brief struct {
		Key     string
		Theirs  []int
		Reasons []string
	}
	var b []brief
	for _, c := range got {
		x := brief{Key: c.Key.String(), Theirs: c.Theirs}
		for _, m := range c.Mismatches {
			x.Reasons = append(x.Reasons, string(m.Reason)+" "+m.Field)
		}
		b = append(b, x)
	}
	want := []brief{
		{Key: k.String(), Theirs: []int{0, 1}},
		{Key: k2.String(), Reasons: []string{"PARTNER_SETTLEMENT_MISSING partnerSettlement"}},
		{Key: k3.String(), Theirs: []int{2}, Reasons: []string{"PARTNER_SETTLEMENT_UNKNOWN partnerSettlement"}},
	}
	if diff := cmp.Diff(want, b); diff != "" {
		t.Errorf("CompareSettlements (-want +got):\n%s", diff)
	}
	theirs[1].Amounts.Settlement = 8_800
	if ms := CompareSettlements(ours, theirs)[0].Mismatches; len(ms) != 1 || ms[0].Reason != SettlementAmountDiffers || ms[0].Diff != -100 || ms[0].Field != "settlement" {
		t.Errorf("a split key off by 100: %+v", ms)
	}
}

func TestComparePayout(t *testing.T) {
	ours := PayoutAmounts{Settlement: 1_000_000, Supply: 1_000_000, IncomeTax: 30_000, LocalIncomeTax: 3_000, Amount: 967_000}
	theirs := ours
	if ms := ComparePayout(&ours, &theirs); len(ms) != 0 {
		t.Errorf("ComparePayout(equal) = %+v", ms)
	}
	theirs.IncomeTax, theirs.Amount = 30_010, 966_990
	ms := ComparePayout(&ours, &theirs)
	want := []Mismatch{
		{Reason: PayoutAmountDiffers, Field: "amount", Local: 967_000, PortOne: 966_990, Diff: -10},
		{Reason: PayoutAmountDiffers, Field: "incomeTaxAmount", Local: 30_000, PortOne: 30_010, Diff: 10},
	}
	if diff := cmp.Diff(want, ms); diff != "" {
		t.Errorf("ComparePayout (-want +got):\n%s", diff)
	}
}

// Golden files: testdata/payouts/*.json hold one case each: transfers (a
// cancel's amounts positive, as PortOne answers them), the partners' tax
// profiles, the platform setting and optional treatments and rules; want
// is the partner settlements and payouts through SettlementBook, NetOf and
// PayoutsOf, rewritten by -update.

type goldenPayoutCase struct {
	Case      string                             `json:"case"`
	Source    string                             `json:"source"`
	Setting   goldenPayoutSetting                `json:"setting"`
	Partners  map[string]goldenProfile           `json:"partners"`
	Treatment map[string]goldenTreatment         `json:"treatment,omitempty"`
	Rules     *goldenRules                       `json:"rules,omitempty"`
	Transfers []goldenPayoutTransfer             `json:"transfers"`
	Statuses  map[string]PartnerSettlementStatus `json:"statusesAfter,omitempty"`
	Want      *goldenPayoutWant                  `json:"want,omitempty"`
}

type goldenPayoutSetting struct {
	SettlementAmountType string `json:"settlementAmountType"`
	DeductWht            bool   `json:"deductWht"`
}

type goldenProfile struct {
	Type         string `json:"type"`
	TaxationType string `json:"taxationType,omitempty"`
}

type goldenTreatment struct {
	VAT      string `json:"vat"`
	Withhold bool   `json:"withhold"`
}

type goldenRules struct {
	VAT             string `json:"vat"`
	Withholding     string `json:"withholding"`
	WithholdingUnit int64  `json:"withholdingUnit"`
	ExemptBelow     int64  `json:"exemptBelow"`
}

type goldenPayoutTransfer struct {
	PartnerID           string `json:"partnerId"`
	ContractID          string `json:"contractId,omitempty"`
	Type                string `json:"type"`
	SettlementStartDate string `json:"settlementStartDate,omitempty"`
	SettlementDate      string `json:"settlementDate"`
	Settlement          int64  `json:"settlement"`
	SettlementTaxFree   int64  `json:"settlementTaxFree"`
}

type goldenPayoutWant struct {
	PartnerSettlements []goldenPS     `json:"partnerSettlements"`
	Payouts            []goldenPayout `json:"payouts"`
	Errors             []string       `json:"errors,omitempty"`
}

type goldenPS struct {
	Key               string `json:"key"`
	Transfers         int    `json:"transfers"`
	StartDateRange    string `json:"settlementStartDateRange,omitempty"`
	Settlement        int64  `json:"settlement"`
	SettlementTaxFree int64  `json:"settlementTaxFree"`
}

type goldenPayout struct {
	PartnerID               string `json:"partnerId"`
	Currency                string `json:"currency"`
	Settlements             []int  `json:"settlements"`
	VAT                     string `json:"vatTreatment"`
	Withhold                bool   `json:"withhold"`
	SettlementAmount        int64  `json:"settlementAmount"`
	SettlementTaxFreeAmount int64  `json:"settlementTaxFreeAmount"`
	SupplyAmount            int64  `json:"supplyAmount"`
	TaxFreeAmount           int64  `json:"taxFreeAmount"`
	VatAmount               int64  `json:"vatAmount"`
	IncomeTaxAmount         int64  `json:"incomeTaxAmount"`
	LocalIncomeTaxAmount    int64  `json:"localIncomeTaxAmount"`
	Amount                  int64  `json:"amount"`
	Payable                 bool   `json:"payable"`
}

func (g goldenPayoutCase) run(t *testing.T) *goldenPayoutWant {
	t.Helper()
	book := NewSettlementBook(false)
	for i, tr := range g.Transfers {
		k := SettlementKey{PartnerID: PartnerID(tr.PartnerID), ContractID: tr.ContractID, Kind: Kind(tr.Type), SettlementDate: MustDate(tr.SettlementDate), Currency: KRW}
		var start Date
		if tr.SettlementStartDate != "" {
			start = MustDate(tr.SettlementStartDate)
		}
		n, err := book.Add(k, start, Amounts{Settlement: Won(tr.Settlement), SettlementTaxFree: Won(tr.SettlementTaxFree)})
		if err != nil {
			t.Fatalf("transfers[%d]: %v", i, err)
		}
		if st, ok := g.Statuses[itoa(i)]; ok {
			book.SetStatus(n, st)
		}
	}
	rules := DefaultPayoutRules
	if r := g.Rules; r != nil {
		rules = PayoutRules{VAT: RoundMode(r.VAT), Withholding: RoundMode(r.Withholding), WithholdingUnit: Won(r.WithholdingUnit), ExemptBelow: Won(r.ExemptBelow)}
	}
	setting := PayoutSetting{AmountType: AmountType(g.Setting.SettlementAmountType), DeductWht: g.Setting.DeductWht}
	treat := func(p PartnerID) (Treatment, error) {
		if tr, ok := g.Treatment[string(p)]; ok {
			v := map[string]VATTreatment{"NONE": VATNone, "INCLUDED": VATIncluded, "ADDED": VATAdded}[tr.VAT]
			return Treatment{VAT: v, Withhold: tr.Withhold}, nil
		}
		pr, ok := g.Partners[string(p)]
		if !ok {
			return Treatment{}, ErrUnknownPayoutTerms
		}
		return TreatmentOf(TaxProfile{Type: PartnerType(pr.Type), Taxation: TaxationType(pr.TaxationType)}, setting)
	}
	ss := book.Settlements()
	payouts, err := PayoutsOf(ss, treat, rules)
	w := &goldenPayoutWant{PartnerSettlements: []goldenPS{}, Payouts: []goldenPayout{}}
	if err != nil {
		w.Errors = append(w.Errors, err.Error())
	}
	for _, s := range ss {
		gs := goldenPS{Key: s.Key.String(), Transfers: s.Transfers, Settlement: int64(s.Amounts.Settlement), SettlementTaxFree: int64(s.Amounts.SettlementTaxFree)}
		if !s.StartFrom.IsZero() {
			gs.StartDateRange = s.StartFrom.String() + ".." + s.StartUntil.String()
		}
		w.PartnerSettlements = append(w.PartnerSettlements, gs)
	}
	for _, p := range payouts {
		a := p.Amounts
		w.Payouts = append(w.Payouts, goldenPayout{
			PartnerID: string(p.Key.PartnerID), Currency: string(p.Key.Currency), Settlements: p.Settlements,
			VAT: p.Treatment.VAT.String(), Withhold: p.Treatment.Withhold,
			SettlementAmount: int64(a.Settlement), SettlementTaxFreeAmount: int64(a.SettlementTaxFree), SupplyAmount: int64(a.Supply),
			TaxFreeAmount: int64(a.TaxFree), VatAmount: int64(a.VAT), IncomeTaxAmount: int64(a.IncomeTax),
			LocalIncomeTaxAmount: int64(a.LocalIncomeTax), Amount: int64(a.Amount), Payable: p.Payable(),
		})
	}
	return w
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestPayoutGoldens(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "payouts", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files under testdata/payouts: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var g goldenPayoutCase
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&g); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			got := g.run(t)
			if *update {
				g.Want = got
				out, err := json.MarshalIndent(g, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, append(out, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if g.Want == nil {
				t.Fatalf("%s has no want: run go test ./settlement -run TestPayoutGoldens -update", f)
			}
			if diff := cmp.Diff(*g.Want, *got); diff != "" {
				t.Errorf("%s (%s) (-want +got):\n%s", f, g.Case, diff)
			}
		})
	}
}

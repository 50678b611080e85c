package settlement

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func mustNewRules(t testing.TB, s RulesSpec) *Rules {
	t.Helper()
	r, err := NewRules(s)
	if err != nil {
		t.Fatalf("NewRules: %v", err)
	}
	return r
}

// helpCenterSpec is the help center's custom example
// (platform_policymanagement_calculator): fees on 결제금액 (the payment
// amount), 정산금 = 주문금액 − 중개수수료 − 추가수수료.
func helpCenterSpec() RulesSpec {
	return RulesSpec{Name: "helpcenter-custom", Formulas: []FormulaSpec{
		{Key: FormulaPlatformFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
		{Key: FormulaAdditionalFee, Formula: "PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
		{Key: FormulaSettlement, Formula: "ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT"},
	}}
}

func helpCenterTerms(r *Rules) Terms {
	return Terms{
		Contract: Contract{ID: "c", PlatformFee: Fee{Kind: FeeFixedRate, Rate: 10000}, PlatformFeeVatPayer: PayerMerchant,
			Cycle: Cycle{LagDays: 2, DatePolicy: HolidayBefore, Method: CycleMonthly, DaysOfMonth: []int{31}}},
		DiscountSharePolicies: map[string]DiscountSharePolicy{"coupon": {ID: "coupon", PartnerShareRate: 0}},
		AdditionalFeePolicies: map[string]AdditionalFeePolicy{"pg": {ID: "pg", Fee: Fee{Kind: FeeFixedRate, Rate: 3200}, VatPayer: PayerMerchant}},
		Rules:                 r,
	}
}

func TestHelpCenterExample(t *testing.T) {
	o := Order{PartnerID: "p", PaymentID: "pay", OrderAmount: 10000, SettlementStartDate: MustDate("2025-03-04"),
		Discounts: []Discount{{SharePolicyID: "coupon", Amount: 2000}}, AdditionalFees: []string{"pg"}}
	tr, err := SettleOrder(o, helpCenterTerms(mustNewRules(t, helpCenterSpec())))
	if err != nil {
		t.Fatal(err)
	}
	a := tr.Amounts
	if a.Payment != 8000 || a.PlatformFee != 800 || a.AdditionalFee != 256 || a.Settlement != 8944 {
		t.Fatalf("help center example: payment %d, platform fee %d, additional fee %d, settlement %d; want 8000, 800, 256, 8944", a.Payment, a.PlatformFee, a.AdditionalFee, a.Settlement)
	}
	// The defaults charge the order amount: 1000 and 320, settlement 8680.
	def, err := SettleOrder(o, helpCenterTerms(nil))
	if err != nil {
		t.Fatal(err)
	}
	if d := def.Amounts; d.PlatformFee != 1000 || d.AdditionalFee != 320 || d.Settlement != 8680 {
		t.Fatalf("defaults: %+v", d)
	}
}

// variantOrder settles o under the default rules with one variant set.
func variantOrder(t *testing.T, terms Terms, o Order, key, choice string) *Book {
	t.Helper()
	terms.Rules = mustNewRules(t, RulesSpec{Variants: Variants{}.With(key, choice)})
	b, err := NewBook(o, terms)
	if err != nil {
		t.Fatalf("%s=%s: %v", key, choice, err)
	}
	return b
}

func TestVariants(t *testing.T) {
	rateTerms := testTerms()
	fixedTerms := testTerms()
	fixedTerms.Contract.PlatformFee = Fee{Kind: FeeFixedAmount, Amount: 300}
	start := MustDate("2025-03-04")
	twoLines := Order{PartnerID: "p", PaymentID: "x", HasLines: true, SettlementStartDate: start, Lines: []Line{
		{Product: Product{ID: "a", Amount: 5000}, Quantity: 2}, {Product: Product{ID: "b", Amount: 1000}, Quantity: 1}}}
	uneven := Order{PartnerID: "p", PaymentID: "x", HasLines: true, SettlementStartDate: start, Lines: []Line{
		{Product: Product{ID: "a", Amount: 339}, Quantity: 1}, {Product: Product{ID: "b", Amount: 339}, Quantity: 1}, {Product: Product{ID: "c", Amount: 339}, Quantity: 1}}}
	for _, tc := range []struct {
		key, choice string
		terms       Terms
		order       Order
		fee, vat    Won   // the order block's platform fee and its VAT
		lineFees    []Won // each line's platform fee
	}{
		{"platformFixedFee", "PER_ORDER", fixedTerms, twoLines, 300, 30, []Won{0, 0}},
		{"platformFixedFee", "PER_LINE", fixedTerms, twoLines, 600, 60, []Won{300, 300}},
		{"platformFixedFee", "PER_UNIT", fixedTerms, twoLines, 900, 90, []Won{600, 300}},
		{"orderBlock", "SUM_OF_LINES", rateTerms, uneven, 99, 9, []Won{33, 33, 33}},
		{"orderBlock", "RECOMPUTED", rateTerms, uneven, 101, 10, []Won{33, 33, 33}},
	} {
		t.Run(tc.key+"="+tc.choice, func(t *testing.T) {
			b := variantOrder(t, tc.terms, tc.order, tc.key, tc.choice)
			tr := b.Order()
			if tr.Amounts.PlatformFee != tc.fee || tr.Amounts.PlatformFeeVat != tc.vat {
				t.Errorf("order block fee %d VAT %d, want %d %d", tr.Amounts.PlatformFee, tr.Amounts.PlatformFeeVat, tc.fee, tc.vat)
			}
			for i, l := range tr.Lines {
				if l.Amounts.PlatformFee != tc.lineFees[i] {
					t.Errorf("line %d fee %d, want %d", i, l.Amounts.PlatformFee, tc.lineFees[i])
				}
			}
			if s := tr.Amounts; s.Settlement != s.Order-s.DiscountShare-s.PlatformFee-s.PlatformFeeVat-s.AdditionalFee-s.AdditionalFeeVat-s.PaymentVatBurden {
				t.Errorf("settlement %d is not order less the deductions: %+v", s.Settlement, s)
			}
			// Whatever the variant, cancelling everything nets to zero.
			if _, err := b.Cancel(Cancellation{CancellationID: "all", Form: CancelAll, SettlementStartDate: start}); err != nil || !b.Remaining().IsZero() {
				t.Fatalf("cancel all: %v, remaining %+v", err, b.Remaining())
			}
		})
	}

	t.Run("monthlyShortMonth", func(t *testing.T) {
		terms := testTerms()
		terms.Contract.Cycle = Cycle{LagDays: 1, DatePolicy: CalendarDay, Method: CycleMonthly, DaysOfMonth: []int{30}}
		o := Order{PartnerID: "p", PaymentID: "x", OrderAmount: 1000, SettlementStartDate: MustDate("2026-02-10")}
		for choice, want := range map[string]string{"CLAMP": "2026-02-28", "SKIP": "2026-03-30"} {
			if got := variantOrder(t, terms, o, "monthlyShortMonth", choice).Order().SettlementDate.String(); got != want {
				t.Errorf("monthlyShortMonth=%s: settlement date %s, want %s", choice, got, want)
			}
		}
	})

	t.Run("cancelFixedAmounts", func(t *testing.T) {
		terms := testTerms()
		terms.AdditionalFeePolicies["fix"] = AdditionalFeePolicy{ID: "fix", Fee: Fee{Kind: FeeFixedAmount, Amount: 500}, VatPayer: PayerPartner}
		o := Order{PartnerID: "p", PaymentID: "x", OrderAmount: 10000, SettlementStartDate: start, AdditionalFees: []string{"fix"}}
		for choice, want := range map[string][2]Won{"ON_LAST_CANCEL": {0, 500}, "ON_EACH_CANCEL": {500, 0}} {
			b := variantOrder(t, terms, o, "cancelFixedAmounts", choice)
			first, err := b.Cancel(Cancellation{CancellationID: "c1", Form: CancelByAmount, OrderAmount: 4000, SettlementStartDate: start})
			if err != nil {
				t.Fatal(err)
			}
			last, err := b.Cancel(Cancellation{CancellationID: "c2", Form: CancelByAmount, OrderAmount: 6000, SettlementStartDate: start})
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]Won{first.Amounts.AdditionalFee, last.Amounts.AdditionalFee}; got != want {
				t.Errorf("cancelFixedAmounts=%s: the cancels return fixed fees %v, want %v", choice, got, want)
			}
		}
	})

	t.Run("vatRounding", func(t *testing.T) {
		terms := testTerms()
		o := Order{PartnerID: "p", PaymentID: "x", OrderAmount: 10050, SettlementStartDate: start}
		for mode, want := range map[RoundMode][2]Won{RoundDown: {100, 913}, RoundUp: {101, 914}, RoundHalfUp: {101, 914}} {
			terms.Rules = mustNewRules(t, RulesSpec{VATRound: mode})
			tr, err := SettleOrder(o, terms)
			if err != nil {
				t.Fatal(err)
			}
			if got := [2]Won{tr.Amounts.PlatformFeeVat, tr.Amounts.PaymentVat}; got != want {
				t.Errorf("rounding.vat=%s: fee VAT and payment VAT %v, want %v", mode, got, want)
			}
		}
		terms.Rules = mustNewRules(t, RulesSpec{VATRound: RoundDown, PaymentVATRound: RoundUp})
		tr, err := SettleOrder(o, terms)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Amounts.PlatformFeeVat != 100 || tr.Amounts.PaymentVat != 914 {
			t.Errorf("vat DOWN, paymentVat UP: %d %d, want 100 914", tr.Amounts.PlatformFeeVat, tr.Amounts.PaymentVat)
		}
	})
}

func TestUserDefinedFormulasAndParameters(t *testing.T) {
	bonus := Param{Value: 1, Scale: 2}
	r := mustNewRules(t, RulesSpec{
		Formulas: []FormulaSpec{{Key: FormulaPlatformFee, Formula: "ORDER_AMOUNT * (FIXED_RATE - BONUS) + FIXED_AMOUNT", Round: RoundHalfUp}},
		UserDefined: []FormulaSpec{
			{Key: "NET", Formula: "SETTLEMENT_AMOUNT * 0.967"},
			{Key: "PG", Formula: "PAYMENT_AMOUNT * 0.032", Round: RoundUp},
		},
		OrderKeys:  []string{"discountShare", "discountShareTaxFree", "platformFee", "additionalFee", "PG", "settlement", "settlementTaxFree", "NET"},
		Parameters: []ParameterSpec{{Key: "BONUS", Default: &bonus}},
	})
	terms := testTerms()
	terms.Rules = r
	o := Order{PartnerID: "p", PaymentID: "x", HasLines: true, SettlementStartDate: MustDate("2025-03-04"), Lines: []Line{
		{Product: Product{ID: "a", Amount: 3333}, Quantity: 3}, {Product: Product{ID: "b", Amount: 1001}, Quantity: 1}}}
	b, err := NewBook(o, terms)
	if err != nil {
		t.Fatal(err)
	}
	tr := b.Order()
	// Line a: 9999 × 9 % = 899.91 → 900 (HALF_UP); VAT 90; settlement 9009.
	// Line b: 1001 × 9 % = 90.09 → 90; VAT 9; settlement 902.
	wantLines := []map[string]Won{{"NET": 8711, "PG": 320}, {"NET": 872, "PG": 33}}
	for i, l := range tr.Lines {
		if d := cmp.Diff(wantLines[i], l.UserDefined); d != "" {
			t.Errorf("line %d userDefinedFormulas (-want +got):\n%s", i, d)
		}
	}
	if tr.Lines[0].Amounts.PlatformFee != 900 || tr.Lines[1].Amounts.PlatformFee != 90 {
		t.Errorf("platform fees %d %d, want 900 90", tr.Lines[0].Amounts.PlatformFee, tr.Lines[1].Amounts.PlatformFee)
	}
	if d := cmp.Diff(map[string]Won{"NET": 8711 + 872, "PG": 353}, tr.UserDefined); d != "" {
		t.Errorf("order block userDefinedFormulas (-want +got):\n%s", d)
	}
	// An order's own parameter value wins over the default.
	o.Parameters = map[string]Param{"BONUS": {Value: 0}}
	tr2, err := SettleOrder(o, terms)
	if err != nil {
		t.Fatal(err)
	}
	if tr2.Lines[0].Amounts.PlatformFee != 1000 {
		t.Errorf("with BONUS 0 the fee is %d, want 1000", tr2.Lines[0].Amounts.PlatformFee)
	}
	// Cancelling a line and then the rest nets the user results to zero too.
	if _, err := b.Cancel(Cancellation{CancellationID: "c1", Form: CancelByLines, Lines: []CancelLine{{ProductID: "a", Quantity: 1}}, SettlementStartDate: o.SettlementStartDate}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Cancel(Cancellation{CancellationID: "c2", Form: CancelAll, SettlementStartDate: o.SettlementStartDate}); err != nil {
		t.Fatal(err)
	}
	for i, v := range b.leftUser {
		if v != 0 {
			t.Errorf("user result %d left after cancelling all: %d", i, v)
		}
	}

	// Without a default the order must send the parameter.
	r2 := mustNewRules(t, RulesSpec{Formulas: []FormulaSpec{{Key: FormulaPlatformFee, Formula: "ORDER_AMOUNT * RATE2"}}, Parameters: []ParameterSpec{{Key: "RATE2"}}})
	terms.Rules = r2
	o.Parameters = nil
	_, err = SettleOrder(o, terms)
	if e, ok := AsError(err); !ok || e.Type != ErrInvalidRequest || e.Field != "parameters.RATE2" {
		t.Fatalf("a required parameter left out: %v, want INVALID_REQUEST at parameters.RATE2", err)
	}
	o.Parameters = map[string]Param{"RATE2": {Value: 5, Scale: 6}}
	_, err = SettleOrder(o, terms)
	if e, ok := AsError(err); !ok || e.Field != "parameters.RATE2.decimalScale" {
		t.Fatalf("scale 6: %v, want INVALID_REQUEST at parameters.RATE2.decimalScale", err)
	}
}

func TestNewRulesErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec RulesSpec
		key  string
		want string
	}{
		{"parse", RulesSpec{Formulas: []FormulaSpec{{Key: "settlement", Formula: "ORDER_AMOUNT -"}}}, "formulas.settlement.formula", "column 15"},
		{"unknown variable", RulesSpec{Formulas: []FormulaSpec{{Key: "platformFee", Formula: "ORDER_AMOUN * FIXED_RATE"}}}, "formulas.platformFee.formula", `column 1: unknown variable "ORDER_AMOUN"`},
		{"fixed rate in settlement", RulesSpec{Formulas: []FormulaSpec{{Key: "settlement", Formula: "ORDER_AMOUNT * FIXED_RATE"}}}, "formulas.settlement.formula", "column 16: FIXED_RATE is a policy's own figure"},
		{"computed later", RulesSpec{Formulas: []FormulaSpec{{Key: "platformFee", Formula: "(ORDER_AMOUNT - ADDITIONAL_FEE_AMOUNT) * FIXED_RATE"}}}, "formulas.platformFee.formula", "column 17: ADDITIONAL_FEE_AMOUNT is computed by additionalFee, which comes after platformFee in orderKeys"},
		{"order keys missing", RulesSpec{OrderKeys: []string{"discountShare", "platformFee"}}, "orderKeys", `"discountShareTaxFree" is missing`},
		{"order keys twice", RulesSpec{OrderKeys: []string{"discountShare", "discountShareTaxFree", "platformFee", "platformFee", "additionalFee", "settlement", "settlementTaxFree"}}, "orderKeys[3]", `"platformFee" is also orderKeys[2]`},
		{"order keys unknown", RulesSpec{OrderKeys: []string{"fee"}}, "orderKeys[0]", `"fee" is not a formula`},
		{"not reserved", RulesSpec{Formulas: []FormulaSpec{{Key: "pgFee", Formula: "1"}}}, "formulas.pgFee", "not a reserved formula"},
		{"user key", RulesSpec{UserDefined: []FormulaSpec{{Key: "1NET", Formula: "1"}}}, "userDefinedFormulas[0].key", "is not a name"},
		{"user key taken", RulesSpec{UserDefined: []FormulaSpec{{Key: "ORDER_AMOUNT", Formula: "1"}}}, "userDefinedFormulas[0].key", "already a variable, parameter or formula"},
		{"user self", RulesSpec{UserDefined: []FormulaSpec{{Key: "X", Formula: "X + 1"}}}, "userDefinedFormulas[0].formula", "X refers to itself"},
		{"parameter key", RulesSpec{Parameters: []ParameterSpec{{Key: "settlement"}}}, "parameters[0].key", "already a variable, parameter or formula"},
		{"variant", RulesSpec{Variants: Variants{OrderBlock: "SUMMED"}}, "variants.orderBlock", `"SUMMED" is not a choice`},
		{"rounding", RulesSpec{VATRound: "NEAREST"}, "rounding.vat", "must be DOWN, UP or HALF_UP"},
		{"formula rounding", RulesSpec{Formulas: []FormulaSpec{{Key: "platformFee", Formula: "1", Round: "CEIL"}}}, "formulas.platformFee.round", "must be DOWN, UP or HALF_UP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewRules(tc.spec)
			var re *RulesError
			if !errors.As(err, &re) || re.Key != tc.key || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewRules: %v\nwant key %s and %q", err, tc.key, tc.want)
			}
		})
	}
}

func TestDefaultRules(t *testing.T) {
	d := DefaultRules()
	if !d.fast || !d.IsDefault() || !strings.HasPrefix(d.Version(), "default@") {
		t.Fatalf("DefaultRules: fast %v, default %v, version %s", d.fast, d.IsDefault(), d.Version())
	}
	var nilRules *Rules
	if nilRules.Version() != d.Version() || nilRules.Text() != d.Text() {
		t.Fatal("nil rules are not the defaults")
	}
	if r := DefaultRulesWith(Rounding{RoundUp, RoundHalfUp}); !r.fast || r.fee != RoundUp || r.vat != RoundHalfUp || r.Version() == d.Version() || r.IsDefault() {
		t.Fatalf("DefaultRulesWith(UP, HALF_UP): fast %v fee %s vat %s version %s", r.fast, r.fee, r.vat, r.Version())
	}
	if r := mustNewRules(t, helpCenterSpec()); r.fast || r.IsDefault() {
		t.Fatal("the help center's rules are on the fixed path")
	}
	if r := mustNewRules(t, RulesSpec{Variants: Variants{OrderBlock: OrderBlockRecomputed}}); r.fast {
		t.Fatal("RECOMPUTED is on the fixed path")
	}
	// Reordering whitespace does not change the version; a name does not
	// change the hash.
	a := mustNewRules(t, RulesSpec{Name: "a", Formulas: []FormulaSpec{{Key: "platformFee", Formula: "PAYMENT_AMOUNT*FIXED_RATE"}}})
	b := mustNewRules(t, RulesSpec{Name: "b", Formulas: []FormulaSpec{{Key: "platformFee", Formula: " PAYMENT_AMOUNT * FIXED_RATE "}}})
	if strings.TrimPrefix(a.Version(), "a") != strings.TrimPrefix(b.Version(), "b") {
		t.Fatalf("versions %s and %s differ beyond the name", a.Version(), b.Version())
	}
}

func TestRulesFile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "rules", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rules files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseRules(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		// File renders every formula; reading it back gives the same rules.
		again, err := ParseRules(r.File())
		if err != nil {
			t.Fatalf("%s: File() does not parse: %v\n%s", f, err, r.File())
		}
		if again.Version() != r.Version() || again.Text() != r.Text() {
			t.Errorf("%s: round trip changes the rules: %s → %s\n%s\n%s", f, r.Version(), again.Version(), r.Text(), again.Text())
		}
	}

	for _, tc := range []struct {
		name, file, key, want string
	}{
		{"not json", `{"name": `, "(file)", "not JSON"},
		{"not an object", `[]`, "(file)", "want an object"},
		{"unknown member", `{"formula": {}}`, "formula", "unknown member"},
		{"unknown nested", `{"formulas": {"platformFee": {"formula": "1", "rounding": "UP"}}}`, "formulas.platformFee.rounding", "unknown member"},
		{"duplicate", `{"formulas": {"platformFee": {"formula": "1"}, "platformFee": {"formula": "2"}}}`, "formulas.platformFee", "given twice"},
		{"duplicate in list", `{"userDefinedFormulas": [{"key": "A", "formula": "1", "key": "B"}]}`, "userDefinedFormulas[0].key", "given twice"},
		{"type", `{"name": 3}`, "name", "want a string"},
		{"formula required", `{"formulas": {"settlement": {"round": "UP"}}}`, "formulas.settlement.formula", "required"},
		{"variant", `{"variants": {"orderBlock": "SUMMED"}}`, "variants.orderBlock", "not a choice"},
		{"parse", `{"formulas": {"platformFee": {"formula": "PAYMENT_AMOUNT * * FIXED_RATE"}}}`, "formulas.platformFee.formula", "formula platformFee, column 18"},
		{"parameter default", `{"parameters": [{"key": "B", "default": "0.123456"}]}`, "parameters[0].default", "more than 5 decimals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRules([]byte(tc.file))
			var re *RulesError
			if !errors.As(err, &re) || re.Key != tc.key || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ParseRules(%s): %v\nwant key %s and %q", tc.file, err, tc.key, tc.want)
			}
		})
	}
}

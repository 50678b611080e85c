package calibrate

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Inference is what Infer concludes from PortOne's answers.
type Inference struct {
	Rules      *settlement.Rules
	Exact      bool
	Findings   []Finding
	Mismatches []string
}

// Infer finds the rules that explain PortOne's answers to the probes, in
// three steps:
//
//  1. the formulas: the coefficients of the platform fee, additional fee
//     and discount share formulas from the ten-million-won probes (fee ÷
//     (amount × rate), and the discount's part from the difference of the
//     two); the settlement and settlementTaxFree formulas, and each
//     user-defined formula PortOne reports, as the combination of the
//     block's own figures (coefficients −1, 0 or 1, or one decimal
//     coefficient on one figure) that gives PortOne's value in every block;
//  2. the roundings and the variants: starting from the defaults, each
//     choice in turn is set to the value that leaves the fewest fields
//     unexplained when the engine previews every probe, until nothing
//     improves;
//  3. the evidence: for every choice, a field of a probe where another
//     value would have given another figure than PortOne's.
//
// Exact reports that the rules preview every probe to the won.
func Infer(results []ProbeResult, name string, loc *time.Location) (*Inference, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("no probe answers to infer from")
	}
	ev, err := newEvaluator(results, loc)
	if err != nil {
		return nil, err
	}
	inf := &Inference{}
	spec := settlement.RulesSpec{Name: name}
	byName := map[string]*ProbeResult{}
	for i := range results {
		byName[results[i].Probe.Name] = &results[i]
	}

	// 1. Formulas.
	var formulas []settlement.FormulaSpec
	add := func(key, formula, evidence string) {
		formulas = append(formulas, settlement.FormulaSpec{Key: key, Formula: formula})
		inf.Findings = append(inf.Findings, Finding{Key: "formulas." + key + ".formula", Choice: formula, Evidence: evidence})
	}
	co, cd := byName["coef-order"], byName["coef-discount"]
	if co != nil && cd != nil {
		f, e := fitFee(co.Order.Amounts.PlatformFee, cd.Order.Amounts.PlatformFee, probeRate)
		add(settlement.FormulaPlatformFee, f, "probes coef-order and coef-discount: platformFee "+e)
		f, e = fitFee(co.Order.Amounts.AdditionalFee, cd.Order.Amounts.AdditionalFee, probeFeeRate)
		add(settlement.FormulaAdditionalFee, f, "probes coef-order and coef-discount: additionalFee "+e)
		f, e = fitShare(cd.Order.Amounts.DiscountShare)
		add(settlement.FormulaDiscountShare, f, "probe coef-discount: discountShare "+e)
	}
	blocks := ev.blocks(false)
	f, e := fitCombination(blocks, settlementTerms, func(b *block) settlement.Won { return b.a.Settlement }, []int{1, 0, -1, -1, -1, -1, -1, -1})
	add(settlement.FormulaSettlement, f, e)
	f, e = fitCombination(blocks, taxFreeTerms, func(b *block) settlement.Won { return b.a.SettlementTaxFree }, []int{1, 0, -1})
	add(settlement.FormulaSettlementTaxFree, f, e)
	for _, key := range userKeys(results) {
		scopes := ev.blocks(true)
		u, ok, e := fitUser(scopes, key)
		if !ok {
			inf.Findings = append(inf.Findings, Finding{Key: "userDefinedFormulas", Choice: key + " (not inferred)", Evidence: e})
			continue
		}
		spec.UserDefined = append(spec.UserDefined, u)
		inf.Findings = append(inf.Findings, Finding{Key: "userDefinedFormulas." + key, Choice: fmt.Sprintf("%s [round %s]", u.Formula, u.Round), Evidence: e})
	}
	spec.Formulas = formulas
	if _, err := settlement.NewRules(spec); err != nil {
		// A fitted formula that does not compile is a bug of the fit; fall
		// back to the defaults and let the search report what is left.
		inf.Findings = append(inf.Findings, Finding{Key: "formulas", Choice: "(defaults)", Evidence: "the fitted formulas do not compile: " + err.Error()})
		spec.Formulas, spec.UserDefined = nil, nil
	}

	// 2. Roundings and variants.
	best, _ := ev.score(spec)
	for pass := 0; pass < 5 && best > 0; pass++ {
		improved := false
		for _, d := range dims {
			cur := d.get(spec)
			for _, ch := range d.choices {
				if ch == cur {
					continue
				}
				s2 := d.set(spec, ch)
				if sc, _ := ev.score(s2); sc < best {
					spec, best, cur, improved = s2, sc, ch, true
				}
			}
		}
		if !improved {
			break
		}
	}
	r, err := settlement.NewRules(spec)
	if err != nil {
		return nil, err
	}
	inf.Rules = r
	_, diffs := ev.score(spec)
	inf.Exact = len(diffs) == 0
	inf.Mismatches = diffs

	// 3. Evidence for every choice.
	for _, d := range dims {
		cur := d.get(spec)
		var why []string
		for _, ch := range d.choices {
			if ch == cur {
				continue
			}
			_, alt := ev.score(d.set(spec, ch))
			other := diffSet(alt, diffs)
			if len(other) == 0 {
				why = append(why, fmt.Sprintf("%s: not told apart by the probes", ch))
				continue
			}
			why = append(why, fmt.Sprintf("not %s (%s)", ch, pick(other, d.hints)))
		}
		inf.Findings = append(inf.Findings, Finding{Key: d.key, Choice: cur, Evidence: strings.Join(why, "; ")})
	}
	return inf, nil
}

// pick is the first of ms about one of the fields hints, else the first.
func pick(ms, hints []string) string {
	for _, h := range hints {
		for _, m := range ms {
			if strings.Contains(m, " "+h+":") {
				return m
			}
		}
	}
	return ms[0]
}

// diffSet is what alt lists that base does not.
func diffSet(alt, base []string) []string {
	var out []string
	for _, a := range alt {
		if !slices.Contains(base, a) {
			out = append(out, a)
		}
	}
	return out
}

// dim is one choice the search decides: a rounding or a variant.
type dim struct {
	key     string
	choices []string
	hints   []string // the fields that show this choice best, for the evidence
	get     func(settlement.RulesSpec) string
	set     func(settlement.RulesSpec, string) settlement.RulesSpec
}

var roundings = []string{string(settlement.RoundDown), string(settlement.RoundUp), string(settlement.RoundHalfUp)}

// formulaRound is the dim of the rounding of the reserved formulas keys
// (the first one is read, all are set).
func formulaRound(keys ...string) dim {
	return dim{
		key: "formulas." + keys[0] + ".round", choices: roundings, hints: keys[:1],
		get: func(s settlement.RulesSpec) string {
			for _, f := range s.Formulas {
				if f.Key == keys[0] && f.Round != "" {
					return string(f.Round)
				}
			}
			return string(settlement.RoundDown)
		},
		set: func(s settlement.RulesSpec, v string) settlement.RulesSpec {
			s.Formulas = slices.Clone(s.Formulas)
			for _, k := range keys {
				found := false
				for i := range s.Formulas {
					if s.Formulas[i].Key == k {
						s.Formulas[i].Round, found = settlement.RoundMode(v), true
					}
				}
				if !found {
					s.Formulas = append(s.Formulas, settlement.FormulaSpec{Key: k, Formula: settlement.DefaultFormula(k), Round: settlement.RoundMode(v)})
				}
			}
			return s
		},
	}
}

var dims = func() []dim {
	ds := []dim{
		formulaRound(settlement.FormulaDiscountShare, settlement.FormulaDiscountShareTaxFree),
		formulaRound(settlement.FormulaPlatformFee),
		formulaRound(settlement.FormulaAdditionalFee),
		{key: "rounding.vat", choices: roundings, hints: []string{"platformFeeVat", "additionalFeeVat"},
			get: func(s settlement.RulesSpec) string { return orDown(s.VATRound) },
			set: func(s settlement.RulesSpec, v string) settlement.RulesSpec {
				if s.PaymentVATRound == "" {
					s.PaymentVATRound = settlement.RoundMode(orDown(s.VATRound))
				}
				s.VATRound = settlement.RoundMode(v)
				return s
			}},
		{key: "rounding.paymentVat", choices: roundings, hints: []string{"paymentVat"},
			get: func(s settlement.RulesSpec) string {
				if s.PaymentVATRound == "" {
					return orDown(s.VATRound)
				}
				return string(s.PaymentVATRound)
			},
			set: func(s settlement.RulesSpec, v string) settlement.RulesSpec {
				s.PaymentVATRound = settlement.RoundMode(v)
				return s
			}},
	}
	hints := map[string][]string{
		"platformFixedFee": {"platformFee"}, "orderBlock": {"platformFee", "additionalFee"},
		"monthlyShortMonth": {"settlementDate"}, "cancelFixedAmounts": {"additionalFee", "platformFee"},
	}
	for _, v := range settlement.VariantList {
		ds = append(ds, dim{key: "variants." + v.Key, choices: v.Choices, hints: hints[v.Key],
			get: func(s settlement.RulesSpec) string { return s.Variants.Get(v.Key) },
			set: func(s settlement.RulesSpec, c string) settlement.RulesSpec {
				s.Variants = s.Variants.With(v.Key, c)
				return s
			}})
	}
	return ds
}()

func orDown(m settlement.RoundMode) string {
	if m == "" {
		return string(settlement.RoundDown)
	}
	return string(m)
}

// evaluator previews the probes under candidate rules.
type evaluator struct {
	results []ProbeResult
	terms   map[string]settlement.Terms
	orders  []settlement.Order
	cancels [][]settlement.Cancellation
}

func newEvaluator(results []ProbeResult, loc *time.Location) (*evaluator, error) {
	su := probeSetup()
	ev := &evaluator{results: results, terms: map[string]settlement.Terms{}}
	shares := map[string]settlement.DiscountSharePolicy{}
	for _, p := range su.shares {
		d, err := transfer.DiscountSharePolicyFromInput(p)
		if err != nil {
			return nil, err
		}
		shares[d.ID] = d
	}
	fees := map[string]settlement.AdditionalFeePolicy{}
	for _, p := range su.fees {
		f, err := transfer.AdditionalFeePolicyFromInput(p)
		if err != nil {
			return nil, err
		}
		fees[f.ID] = f
	}
	cal := settlement.KoreanCalendar()
	for _, cb := range su.contracts {
		k, err := transfer.ContractFromInput(cb)
		if err != nil {
			return nil, err
		}
		ev.terms[k.ID] = settlement.Terms{Contract: k, DiscountSharePolicies: shares, AdditionalFeePolicies: fees, Calendar: cal}
	}
	for _, r := range results {
		o, err := r.Probe.Order.Order(time.Time{}, loc)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", r.Probe.Name, err)
		}
		ev.orders = append(ev.orders, o)
		var cs []settlement.Cancellation
		for _, cb := range r.Probe.Cancels {
			c, err := cb.Cancellation(time.Time{}, loc)
			if err != nil {
				return nil, fmt.Errorf("probe %s: %w", r.Probe.Name, err)
			}
			cs = append(cs, c)
		}
		ev.cancels = append(ev.cancels, cs)
	}
	return ev, nil
}

// score previews every probe under spec and lists each field PortOne
// answered otherwise; the score counts them (a probe the rules refuse
// counts 1000).
func (ev *evaluator) score(spec settlement.RulesSpec) (int, []string) {
	r, err := settlement.NewRules(spec)
	if err != nil {
		return 1 << 30, []string{"rules: " + err.Error()}
	}
	n := 0
	var out []string
	for i, res := range ev.results {
		t := ev.terms[res.Probe.Contract]
		t.Rules = r
		b, err := settlement.NewBook(ev.orders[i], t)
		if err != nil {
			n += 1000
			out = append(out, fmt.Sprintf("probe %s: refused: %v", res.Probe.Name, err))
			continue
		}
		ours := b.Order()
		for _, m := range settlement.Compare(&ours, &res.Order) {
			n++
			out = append(out, describe(res.Probe.Name, m))
		}
		for j, c := range ev.cancels[i] {
			ct, err := b.Cancel(c)
			if err != nil {
				n += 1000
				out = append(out, fmt.Sprintf("probe %s cancel %d: refused: %v", res.Probe.Name, j+1, err))
				continue
			}
			if j < len(res.Cancels) {
				for _, m := range settlement.Compare(&ct, &res.Cancels[j]) {
					n++
					out = append(out, describe(fmt.Sprintf("%s cancel %d", res.Probe.Name, j+1), m))
				}
			}
		}
	}
	return n, out
}

func describe(probe string, m settlement.Mismatch) string {
	where := ""
	if m.ProductID != "" {
		where = " line " + m.ProductID
	}
	if m.Reason == settlement.DateDiffers || m.Reason == settlement.LineDiffers {
		return fmt.Sprintf("probe %s%s %s: %s", probe, where, m.Field, strings.Replace(m.Detail, "ours", "these rules", 1))
	}
	return fmt.Sprintf("probe %s%s %s: PortOne %d, these rules %d", probe, where, m.Field, m.PortOne, m.Local)
}

// block is one amount block of PortOne's answers.
type block struct {
	where string
	a     settlement.Amounts
	user  map[string]settlement.Won
}

// blocks lists PortOne's blocks: every block of every answer, or (scopes)
// only those the formulas compute directly: the lines, and the order block
// of an order without lines (not cancels, whose remainders are not).
func (ev *evaluator) blocks(scopes bool) []block {
	var out []block
	for _, r := range ev.results {
		ts := append([]settlement.Transfer{r.Order}, r.Cancels...)
		if scopes {
			ts = ts[:1]
		}
		for i, t := range ts {
			name := r.Probe.Name
			if i > 0 {
				name = fmt.Sprintf("%s cancel %d", name, i)
			}
			if !scopes || len(t.Lines) == 0 {
				out = append(out, block{where: "probe " + name, a: t.Amounts, user: t.UserDefined})
			}
			for _, l := range t.Lines {
				out = append(out, block{where: "probe " + name + " line " + l.Product.ID, a: l.Amounts, user: l.UserDefined})
			}
		}
	}
	return out
}

// term is a figure of a block a fitted formula may combine.
type term struct {
	name string
	get  func(*settlement.Amounts) settlement.Won
}

var settlementTerms = []term{
	{"ORDER_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.Order }},
	{"DISCOUNT_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.Discount }},
	{"DISCOUNT_SHARE_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.DiscountShare }},
	{"PLATFORM_FEE_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.PlatformFee }},
	{"PLATFORM_FEE_VAT", func(a *settlement.Amounts) settlement.Won { return a.PlatformFeeVat }},
	{"ADDITIONAL_FEE_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.AdditionalFee }},
	{"ADDITIONAL_FEE_VAT", func(a *settlement.Amounts) settlement.Won { return a.AdditionalFeeVat }},
	{"PAYMENT_VAT_BURDEN_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.PaymentVatBurden }},
}

var taxFreeTerms = []term{
	{"ORDER_TAX_FREE_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.OrderTaxFree }},
	{"DISCOUNT_TAX_FREE_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.DiscountTaxFree }},
	{"DISCOUNT_SHARE_TAX_FREE_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.DiscountShareTaxFree }},
}

var userTerms = append(slices.Clone(settlementTerms),
	term{"SETTLEMENT_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.Settlement }},
	term{"PAYMENT_VAT_AMOUNT", func(a *settlement.Amounts) settlement.Won { return a.PaymentVat }},
)

// fitCombination finds coefficients in {−1, 0, 1} over terms that give
// value in every block; among several it takes the nearest to prefer
// (the default). It returns the formula and the evidence.
func fitCombination(blocks []block, terms []term, value func(*block) settlement.Won, prefer []int) (string, string) {
	coef, n, ok := searchCombination(blocks, terms, func(b *block) (settlement.Won, bool) { return value(b), true }, prefer)
	if !ok {
		return render(prefer, terms), fmt.Sprintf("no combination of the block's figures explains PortOne's values in %d blocks; kept the default", len(blocks))
	}
	e := fmt.Sprintf("the one combination of the block's figures that gives PortOne's value in all %d blocks", len(blocks))
	if n > 1 {
		e = fmt.Sprintf("%d combinations give PortOne's value in all %d blocks; took the nearest to the default", n, len(blocks))
	}
	return render(coef, terms), e
}

// searchCombination enumerates the coefficient vectors; value reports
// false for a block that does not count.
func searchCombination(blocks []block, terms []term, value func(*block) (settlement.Won, bool), prefer []int) ([]int, int, bool) {
	k := len(terms)
	coef := make([]int, k)
	var best []int
	bestDist, count := k+1, 0
	total := 1
	for range k {
		total *= 3
	}
	for idx := range total {
		x := idx
		for i := range k {
			coef[i] = x%3 - 1
			x /= 3
		}
		fits := true
		for bi := range blocks {
			v, counts := value(&blocks[bi])
			if !counts {
				continue
			}
			var s settlement.Won
			for i, t := range terms {
				s += settlement.Won(coef[i]) * t.get(&blocks[bi].a)
			}
			if s != v {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		count++
		dist := 0
		for i := range coef {
			p := 0
			if prefer != nil {
				p = prefer[i]
			}
			if coef[i] != p {
				dist++
			}
		}
		if dist < bestDist {
			best, bestDist = slices.Clone(coef), dist
		}
	}
	return best, count, best != nil
}

// render writes a combination as a formula: ORDER_AMOUNT − DISCOUNT_AMOUNT
// as PAYMENT_AMOUNT, the rest in the order of terms.
func render(coef []int, terms []term) string {
	var b strings.Builder
	coef = slices.Clone(coef)
	if len(terms) > 1 && terms[0].name == "ORDER_AMOUNT" && terms[1].name == "DISCOUNT_AMOUNT" && coef[0] == 1 && coef[1] == -1 {
		b.WriteString("PAYMENT_AMOUNT")
		coef[0], coef[1] = 0, 0
	}
	for i, c := range coef {
		switch {
		case c == 0:
			continue
		case b.Len() == 0 && c < 0:
			b.WriteString("-")
		case b.Len() > 0 && c < 0:
			b.WriteString(" - ")
		case b.Len() > 0:
			b.WriteString(" + ")
		}
		b.WriteString(terms[i].name)
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// fitFee reads the coefficients of a fee formula (a·ORDER_AMOUNT +
// b·DISCOUNT_AMOUNT) × FIXED_RATE + FIXED_AMOUNT from its value on
// coefOrderAmount without a discount (fee1) and with coefDiscount of
// discount (fee2), at rate (milli-percent).
func fitFee(fee1, fee2 settlement.Won, rate int64) (string, string) {
	r := decimal.New(rate, -5)
	o, d := decimal.NewFromInt(coefOrderAmount), decimal.NewFromInt(coefDiscount)
	a := decimal.NewFromInt(int64(fee1)).Div(o.Mul(r)).Round(4)
	b := decimal.NewFromInt(int64(fee2)).Div(r).Sub(a.Mul(o)).Div(d).Round(4)
	var base string
	switch {
	case a.Equal(decimal.NewFromInt(1)) && b.IsZero():
		base = "ORDER_AMOUNT"
	case a.Equal(decimal.NewFromInt(1)) && b.Equal(decimal.NewFromInt(-1)):
		base = "PAYMENT_AMOUNT"
	default:
		base = linear([]decimal.Decimal{a, b}, []string{"ORDER_AMOUNT", "DISCOUNT_AMOUNT"})
		if strings.ContainsAny(base, "+-") {
			base = "(" + base + ")"
		}
	}
	return base + " * FIXED_RATE + FIXED_AMOUNT", fmt.Sprintf("%d and %d: coefficients %s on the order and %s on the discount", fee1, fee2, a, b)
}

// fitShare reads the coefficient c of DISCOUNT_AMOUNT × FIXED_RATE × c.
func fitShare(share settlement.Won) (string, string) {
	c := decimal.NewFromInt(int64(share)).Div(decimal.NewFromInt(coefDiscount).Mul(decimal.New(probeShareRate, -5))).Round(4)
	f := "DISCOUNT_AMOUNT * FIXED_RATE"
	if !c.Equal(decimal.NewFromInt(1)) {
		f += " * " + c.String()
	}
	return f, fmt.Sprintf("%d: coefficient %s", share, c)
}

// linear writes Σ cᵢ·nameᵢ.
func linear(cs []decimal.Decimal, names []string) string {
	var b strings.Builder
	for i, c := range cs {
		if c.IsZero() {
			continue
		}
		neg := c.IsNegative()
		c = c.Abs()
		switch {
		case b.Len() == 0 && neg:
			b.WriteString("-")
		case b.Len() > 0 && neg:
			b.WriteString(" - ")
		case b.Len() > 0:
			b.WriteString(" + ")
		}
		if !c.Equal(decimal.NewFromInt(1)) {
			b.WriteString(c.String() + " * ")
		}
		b.WriteString(names[i])
	}
	if b.Len() == 0 {
		return "0"
	}
	return b.String()
}

// userKeys lists the user-defined formulas PortOne reports.
func userKeys(results []ProbeResult) []string {
	seen := map[string]bool{}
	for _, r := range results {
		for _, t := range append([]settlement.Transfer{r.Order}, r.Cancels...) {
			for k := range t.UserDefined {
				seen[k] = true
			}
			for _, l := range t.Lines {
				for k := range l.UserDefined {
					seen[k] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fitUser fits a user-defined formula on the scopes: a combination with
// coefficients −1, 0, 1 (rounding irrelevant), or one decimal coefficient
// on one figure with one of the roundings.
func fitUser(scopes []block, key string) (settlement.FormulaSpec, bool, string) {
	value := func(b *block) (settlement.Won, bool) { return b.user[key], true }
	if coef, n, ok := searchCombination(scopes, userTerms, value, nil); ok {
		return settlement.FormulaSpec{Key: key, Formula: render(coef, userTerms), Round: settlement.RoundDown}, true,
			fmt.Sprintf("a combination of the block's figures gives PortOne's value in all %d blocks (%d such)", len(scopes), n)
	}
	for _, f := range settlement.AmountFields {
		name := varName(f.Name)
		if name == "" {
			continue
		}
		var big *block
		for i := range scopes {
			if big == nil || abs(*f.Get(&scopes[i].a)) > abs(*f.Get(&big.a)) {
				big = &scopes[i]
			}
		}
		if big == nil || *f.Get(&big.a) == 0 {
			continue
		}
		k := decimal.NewFromInt(int64(big.user[key])).Div(decimal.NewFromInt(int64(*f.Get(&big.a)))).Round(5)
		for _, mode := range roundings {
			fits := true
			for i := range scopes {
				x := decimal.NewFromInt(int64(*f.Get(&scopes[i].a))).Mul(k)
				var w decimal.Decimal
				switch settlement.RoundMode(mode) {
				case settlement.RoundUp:
					w = x.RoundUp(0)
				case settlement.RoundHalfUp:
					w = x.Round(0)
				default:
					w = x.RoundDown(0)
				}
				if w.IntPart() != int64(scopes[i].user[key]) {
					fits = false
					break
				}
			}
			if fits {
				return settlement.FormulaSpec{Key: key, Formula: name + " * " + k.String(), Round: settlement.RoundMode(mode)}, true,
					fmt.Sprintf("%s × %s rounded %s gives PortOne's value in all %d blocks", name, k, mode, len(scopes))
			}
		}
	}
	return settlement.FormulaSpec{}, false, fmt.Sprintf("PortOne reports %q, but no simple formula over the block's figures explains it: add it to the rules file by hand", key)
}

func abs(w settlement.Won) settlement.Won {
	if w < 0 {
		return -w
	}
	return w
}

// varName is the formula variable of an amount field, "" for none.
func varName(field string) string {
	m := map[string]string{
		"settlement": "SETTLEMENT_AMOUNT", "settlementTaxFree": "SETTLEMENT_TAX_FREE_AMOUNT", "payment": "PAYMENT_AMOUNT",
		"paymentVat": "PAYMENT_VAT_AMOUNT", "paymentVatBurden": "PAYMENT_VAT_BURDEN_AMOUNT", "paymentTaxFree": "PAYMENT_TAX_FREE_AMOUNT",
		"paymentSupply": "PAYMENT_SUPPLY_AMOUNT", "order": "ORDER_AMOUNT", "orderTaxFree": "ORDER_TAX_FREE_AMOUNT",
		"platformFee": "PLATFORM_FEE_AMOUNT", "platformFeeVat": "PLATFORM_FEE_VAT", "additionalFee": "ADDITIONAL_FEE_AMOUNT",
		"additionalFeeVat": "ADDITIONAL_FEE_VAT", "discount": "DISCOUNT_AMOUNT", "discountTaxFree": "DISCOUNT_TAX_FREE_AMOUNT",
		"discountShare": "DISCOUNT_SHARE_AMOUNT", "discountShareTaxFree": "DISCOUNT_SHARE_TAX_FREE_AMOUNT",
	}
	return m[field]
}

// PreviewInput renders the probe as a `settle preview` input: its
// contract and the probe policies in PortOne's request shapes, the order
// and its cancels.
func (p Probe) PreviewInput() []byte {
	su := probeSetup()
	in := map[string]any{"discountSharePolicies": su.shares, "additionalFeePolicies": su.fees}
	for _, c := range su.contracts {
		if c.ID == p.Contract {
			in["contract"] = c
		}
	}
	in["order"] = p.Order
	cancels := make([]transfer.CreateOrderCancelTransferBody, 0, len(p.Cancels))
	for _, c := range p.Cancels {
		c.TransferID = ""
		c.PartnerID, c.PaymentID = p.Order.PartnerID, p.Order.PaymentID
		cancels = append(cancels, c)
	}
	in["cancels"] = cancels
	b, _ := json.MarshalIndent(in, "", "  ")
	return b
}

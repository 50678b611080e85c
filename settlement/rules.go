package settlement

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// The merchant's own rules (issue #16): the formulas of PortOne's
// calculator as the merchant set them in the console (계산관리), their
// rounding, the evaluation order, settlement parameters and user-defined
// formulas, and one named choice for each rule PortOne leaves open
// (portone-platform.md §10). The zero Rules, DefaultRules and nil all mean
// PortOne's documented defaults and today's behaviour.

// The reserved formulas of PortOne's calculator, by key.
const (
	FormulaDiscountShare        = "discountShare"        // per discount: the partner's share
	FormulaDiscountShareTaxFree = "discountShareTaxFree" // per discount: the share of its tax-free part
	FormulaPlatformFee          = "platformFee"          // the contract's fee (중개수수료)
	FormulaAdditionalFee        = "additionalFee"        // per additional-fee policy (추가수수료)
	FormulaSettlement           = "settlement"           // 정산금
	FormulaSettlementTaxFree    = "settlementTaxFree"    // 정산 면세액
)

// reservedFormulas are the reserved keys in their default order, with
// their default formulas (portone-platform.md §6.2).
var reservedFormulas = []struct{ key, formula string }{
	{FormulaDiscountShare, "DISCOUNT_AMOUNT * FIXED_RATE"},
	{FormulaDiscountShareTaxFree, "DISCOUNT_TAX_FREE_AMOUNT * FIXED_RATE"},
	{FormulaPlatformFee, "ORDER_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
	{FormulaAdditionalFee, "ORDER_AMOUNT * FIXED_RATE + FIXED_AMOUNT"},
	{FormulaSettlement, "ORDER_AMOUNT - DISCOUNT_SHARE_AMOUNT - PLATFORM_FEE_AMOUNT - PLATFORM_FEE_VAT - ADDITIONAL_FEE_AMOUNT - ADDITIONAL_FEE_VAT - PAYMENT_VAT_BURDEN_AMOUNT"},
	{FormulaSettlementTaxFree, "ORDER_TAX_FREE_AMOUNT - DISCOUNT_SHARE_TAX_FREE_AMOUNT"},
}

// DefaultFormula returns the default formula of a reserved key, or "".
func DefaultFormula(key string) string {
	for _, f := range reservedFormulas {
		if f.key == key {
			return f.formula
		}
	}
	return ""
}

// The variables a formula may read. The names PortOne documents
// (ORDER_AMOUNT, PAYMENT_AMOUNT, DISCOUNT_AMOUNT, FIXED_RATE, FIXED_AMOUNT,
// DISCOUNT_SHARE_AMOUNT, PLATFORM_FEE_AMOUNT, PLATFORM_FEE_VAT) are
// PortOne's; the help center names payment VAT, its burden and the order
// tax-free amount without publishing a spelling, and the rest are fields of
// the amount block: those are spelt after the block's fields.
type varID int

const (
	vOrder varID = iota
	vOrderTaxFree
	vDiscount
	vDiscountTaxFree
	vPayment
	vPaymentTaxFree
	vPaymentSupply
	vPaymentVat
	vPaymentVatBurden
	vDiscountShare
	vDiscountShareTaxFree
	vPlatformFee
	vPlatformFeeVat
	vAdditionalFee
	vAdditionalFeeVat
	vSettlement
	vSettlementTaxFree
	vFixedRate
	vFixedAmount
	nBuiltin
)

// Variable describes one variable of the formula language.
type Variable struct {
	Name string
	// Doc says what it is.
	Doc string
	// By is the reserved formula that computes it ("" for an input, which
	// every formula may read).
	By string
}

// Variables lists the built-in variables, in the order of varID.
var Variables = []Variable{
	{"ORDER_AMOUNT", "order amount (주문금액) of the scope", ""},
	{"ORDER_TAX_FREE_AMOUNT", "tax-free part of the order amount", ""},
	{"DISCOUNT_AMOUNT", "discount of the scope; in discountShare formulas, the one discount", ""},
	{"DISCOUNT_TAX_FREE_AMOUNT", "tax-free part of the discount; in discountShare formulas, of the one discount", ""},
	{"PAYMENT_AMOUNT", "payment amount (결제금액) = order − discount", ""},
	{"PAYMENT_TAX_FREE_AMOUNT", "tax-free part of the payment", ""},
	{"PAYMENT_SUPPLY_AMOUNT", "supply value of the payment", ""},
	{"PAYMENT_VAT_AMOUNT", "VAT contained in the payment (결제금액 부가세)", ""},
	{"PAYMENT_VAT_BURDEN_AMOUNT", "payment VAT the partner bears (subtractPaymentVatAmount)", ""},
	{"DISCOUNT_SHARE_AMOUNT", "partner's share of the discounts", FormulaDiscountShare},
	{"DISCOUNT_SHARE_TAX_FREE_AMOUNT", "partner's share of the discounts' tax-free parts", FormulaDiscountShareTaxFree},
	{"PLATFORM_FEE_AMOUNT", "platform fee (중개수수료)", FormulaPlatformFee},
	{"PLATFORM_FEE_VAT", "VAT on the platform fee borne by the partner", FormulaPlatformFee},
	{"ADDITIONAL_FEE_AMOUNT", "additional fees (추가수수료)", FormulaAdditionalFee},
	{"ADDITIONAL_FEE_VAT", "VAT on the additional fees borne by the partner", FormulaAdditionalFee},
	{"SETTLEMENT_AMOUNT", "settlement amount (정산금)", FormulaSettlement},
	{"SETTLEMENT_TAX_FREE_AMOUNT", "tax-free part of the settlement", FormulaSettlementTaxFree},
	{"FIXED_RATE", "the policy's rate as a fraction (10 % = 0.1): the contract's in platformFee, the policy's in discountShare and additionalFee", ""},
	{"FIXED_AMOUNT", "the policy's fixed amount where it is charged: the contract's in platformFee, the policy's in additionalFee", ""},
}

// itemFormula reports whether key is a reserved formula that reads
// FIXED_RATE and FIXED_AMOUNT (a policy's own figures).
func itemFormula(key string) bool {
	switch key {
	case FormulaDiscountShare, FormulaDiscountShareTaxFree, FormulaPlatformFee, FormulaAdditionalFee:
		return true
	}
	return false
}

// FixedFeeScope is where the contract's FIXED_AMOUNT platform fee is
// charged on an order with lines (portone-platform.md §6.3, UNCONFIRMED).
// An order without lines is charged once whatever the scope.
type FixedFeeScope string

// The fixed-fee scopes.
const (
	FixedFeePerOrder FixedFeeScope = "PER_ORDER" // once per transfer, at the order level (default)
	FixedFeePerLine  FixedFeeScope = "PER_LINE"  // once per order line
	FixedFeePerUnit  FixedFeeScope = "PER_UNIT"  // once per unit (quantity) of each line
)

// OrderBlockRule is how the order block of an order with lines is made
// (portone-platform.md §6.3, UNCONFIRMED).
type OrderBlockRule string

// The order-block rules.
const (
	// OrderBlockSumOfLines: the order block is the sum of the rounded line
	// blocks and the order-level part, to the won, in every field (default).
	OrderBlockSumOfLines OrderBlockRule = "SUM_OF_LINES"
	// OrderBlockRecomputed: the order block rounds, once, the exact
	// (unrounded) sums of the discount shares, platform fee and additional
	// fees of its lines and order level, takes the VAT on those, its own
	// payment VAT, and evaluates the settlement and user-defined formulas
	// on its own figures. Lines keep their own blocks.
	OrderBlockRecomputed OrderBlockRule = "RECOMPUTED"
)

// ShortMonthRule is what a MONTHLY cycle day 29 or 30 means in a month
// without that day (portone-platform.md §5, UNCONFIRMED). Day 31 always
// means the month's last day.
type ShortMonthRule string

// The short-month rules.
const (
	ShortMonthClamp ShortMonthRule = "CLAMP" // the month's last day (default)
	ShortMonthSkip  ShortMonthRule = "SKIP"  // no date that month
)

// CancelFixedRule is when a partial cancel returns fixed amounts (the
// contract's fixed fee and fixed-amount additional fees;
// portone-platform.md §6.8, UNCONFIRMED).
type CancelFixedRule string

// The cancel rules for fixed amounts.
const (
	// CancelFixedOnLastCancel: only the cancel that takes the remainder
	// (of the order, or of a line for a fixed amount charged on the line)
	// returns it (default).
	CancelFixedOnLastCancel CancelFixedRule = "ON_LAST_CANCEL"
	// CancelFixedOnEachCancel: every cancel is computed like a fresh order
	// on the cancelled part, fixed amounts included, capped at what
	// remains, so the first partial cancel returns them.
	CancelFixedOnEachCancel CancelFixedRule = "ON_EACH_CANCEL"
)

// Variants are the merchant's choices where PortOne's documentation
// leaves a rule open. The zero value means the defaults.
type Variants struct {
	PlatformFixedFee FixedFeeScope
	OrderBlock       OrderBlockRule
	ShortMonth       ShortMonthRule
	CancelFixed      CancelFixedRule
}

// Variant describes one open question and its choices, for documentation,
// the rules file and calibration.
type Variant struct {
	Key     string   // its key in the rules file's "variants"
	Doc     string   // the question
	Choices []string // the first is the default
}

// VariantList lists the variants in the order of the rules file.
var VariantList = []Variant{
	{"platformFixedFee", "where the contract's FIXED_AMOUNT platform fee is charged on an order with lines",
		[]string{string(FixedFeePerOrder), string(FixedFeePerLine), string(FixedFeePerUnit)}},
	{"orderBlock", "the order block of an order with lines: the sum of the rounded lines, or recomputed on the totals",
		[]string{string(OrderBlockSumOfLines), string(OrderBlockRecomputed)}},
	{"monthlyShortMonth", "a MONTHLY day 29 or 30 in a shorter month: the last day of the month, or no date that month",
		[]string{string(ShortMonthClamp), string(ShortMonthSkip)}},
	{"cancelFixedAmounts", "when a partial cancel returns fixed amounts: only with the remainder, or on each cancel (capped at what remains)",
		[]string{string(CancelFixedOnLastCancel), string(CancelFixedOnEachCancel)}},
}

// Get returns the choice of the variant named key.
func (v Variants) Get(key string) string {
	v = v.normalized()
	switch key {
	case "platformFixedFee":
		return string(v.PlatformFixedFee)
	case "orderBlock":
		return string(v.OrderBlock)
	case "monthlyShortMonth":
		return string(v.ShortMonth)
	case "cancelFixedAmounts":
		return string(v.CancelFixed)
	}
	return ""
}

// With returns v with the variant named key set to choice (unchecked;
// Validate checks it).
func (v Variants) With(key, choice string) Variants {
	switch key {
	case "platformFixedFee":
		v.PlatformFixedFee = FixedFeeScope(choice)
	case "orderBlock":
		v.OrderBlock = OrderBlockRule(choice)
	case "monthlyShortMonth":
		v.ShortMonth = ShortMonthRule(choice)
	case "cancelFixedAmounts":
		v.CancelFixed = CancelFixedRule(choice)
	}
	return v
}

func (v Variants) normalized() Variants {
	if v.PlatformFixedFee == "" {
		v.PlatformFixedFee = FixedFeePerOrder
	}
	if v.OrderBlock == "" {
		v.OrderBlock = OrderBlockSumOfLines
	}
	if v.ShortMonth == "" {
		v.ShortMonth = ShortMonthClamp
	}
	if v.CancelFixed == "" {
		v.CancelFixed = CancelFixedOnLastCancel
	}
	return v
}

// Validate reports the first unknown choice as a *RulesError naming the
// variant's key.
func (v Variants) Validate() error {
	for _, d := range VariantList {
		got := v.Get(d.Key)
		if !slices.Contains(d.Choices, got) {
			return &RulesError{Key: "variants." + d.Key, Err: fmt.Errorf("%q is not a choice: want one of %s", got, strings.Join(d.Choices, ", "))}
		}
	}
	return nil
}

// FormulaSpec is one formula as the merchant wrote it.
type FormulaSpec struct {
	Key     string
	Formula string
	Round   RoundMode // "" means DOWN
}

// Param is a settlement parameter's value: Value × 10^−Scale, Scale 0..5
// (PortOne's {decimal, decimalScale}).
type Param struct {
	Value int64
	Scale int32
}

// Decimal returns the parameter's value.
func (p Param) Decimal() decimal.Decimal { return decimal.New(p.Value, -p.Scale) }

// String formats the value in decimal notation.
func (p Param) String() string { return p.Decimal().StringFixed(p.Scale) }

// ParseParam reads a decimal such as "0.015" (at most 5 decimals).
func ParseParam(s string) (Param, error) {
	d, err := decimal.NewFromString(s)
	if err != nil || strings.ContainsAny(s, "eE") {
		return Param{}, fmt.Errorf("%q is not a decimal number", s)
	}
	scale := max(int32(0), -d.Exponent())
	if scale > 5 {
		return Param{}, fmt.Errorf("%q has more than 5 decimals", s)
	}
	v := d.Shift(scale)
	if !v.IsInteger() || v.LessThan(minWon) || v.GreaterThan(maxWon) {
		return Param{}, fmt.Errorf("%q is out of range", s)
	}
	return Param{Value: v.IntPart(), Scale: scale}, nil
}

// Check checks a parameter value as PortOne does: decimalScale 0..5.
func (p Param) Check() error {
	if p.Scale < 0 || p.Scale > 5 {
		return fmt.Errorf("decimalScale must be 0..5, got %d", p.Scale)
	}
	return nil
}

// ParameterSpec declares a settlement parameter the formulas may read by
// its key. An order that does not send it uses Default; without a default
// the order must send it.
type ParameterSpec struct {
	Key     string
	Default *Param
}

// RulesSpec is a merchant's rules as written (in the rules file): every
// field is optional and its zero value means PortOne's default.
type RulesSpec struct {
	// Name labels the rules; Version combines it with a hash of the rest.
	Name string
	// Formulas are reserved formulas (FormulaPlatformFee, …) the merchant
	// changed; one not listed keeps its default formula and DOWN.
	Formulas []FormulaSpec
	// UserDefined are the merchant's own formulas; their results come back
	// in amount.userDefinedFormulas under their keys.
	UserDefined []FormulaSpec
	// OrderKeys is the evaluation order (PortOne's orderKeys): every
	// reserved and user-defined key once. Empty means the default order
	// with the user-defined formulas just before settlement, or at the end
	// for those that read the settlement.
	OrderKeys []string
	// Parameters are the settlement parameters the formulas read.
	Parameters []ParameterSpec
	// VATRound rounds platformFeeVat and additionalFeeVat (vatRoundType);
	// PaymentVATRound rounds paymentVat = taxable ÷ 11 ("" means VATRound).
	VATRound        RoundMode
	PaymentVATRound RoundMode
	Variants        Variants
}

// RulesError is a rules value at fault: Key is its path in the rules file
// (`formulas.platformFee.formula`, `variants.orderBlock`).
type RulesError struct {
	Key string
	Err error
}

func (e *RulesError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *RulesError) Unwrap() error { return e.Err }

// stepKind is what a step of the evaluation computes.
type stepKind uint8

const (
	stepDiscountShare stepKind = iota
	stepDiscountShareTaxFree
	stepPlatformFee
	stepAdditionalFee
	stepSettlement
	stepSettlementTaxFree
	stepUser
)

// step is one compiled formula in evaluation order.
type step struct {
	key   string
	kind  stepKind
	user  int // stepUser: index into user results
	prog  program
	text  string // canonical
	round RoundMode
}

// block reports whether the step is a block formula: evaluated on the
// block's own figures and again whenever they change (derive).
func (s *step) block() bool {
	return s.kind == stepSettlement || s.kind == stepSettlementTaxFree || s.kind == stepUser
}

// Rules are a merchant's compiled rules: immutable and safe to share. A nil
// *Rules means DefaultRules.
type Rules struct {
	spec    RulesSpec // normalized: every reserved formula, canonical text, rounds and order set
	steps   []step
	params  []ParameterSpec
	user    []string // user-defined keys, by result index
	vat     RoundMode
	payVat  RoundMode
	fee     RoundMode // the one fee rounding of the fast path
	fast    bool      // default formulas and order: the fixed code computes them
	uses    [nBuiltin]bool
	version string
	text    string
}

var defaultRules = mustRules(RulesSpec{Name: "default"})

func mustRules(s RulesSpec) *Rules {
	r, err := NewRules(s)
	if err != nil {
		panic(err)
	}
	return r
}

// DefaultRules returns PortOne's documented defaults: the default formulas
// rounded DOWN, VAT DOWN, and the default of every variant.
func DefaultRules() *Rules { return defaultRules }

// DefaultRulesWith returns the default formulas and variants with the fee
// rounding r.Fee and VAT rounding r.VAT (SETTLE_ROUNDING,
// SETTLE_VAT_ROUNDING).
func DefaultRulesWith(r Rounding) *Rules {
	if r == DefaultRounding || r == (Rounding{}) {
		return defaultRules
	}
	s := RulesSpec{Name: "default", VATRound: r.VAT}
	for _, f := range reservedFormulas[:4] {
		s.Formulas = append(s.Formulas, FormulaSpec{Key: f.key, Formula: f.formula, Round: r.Fee})
	}
	return mustRules(s)
}

// NewRules validates and compiles s. Every problem is reported, joined,
// each a *RulesError naming its key in the rules file; formula problems
// wrap a *FormulaError with the column.
func NewRules(s RulesSpec) (*Rules, error) {
	var errs []error
	fail := func(key string, err error) { errs = append(errs, &RulesError{Key: key, Err: err}) }
	r := &Rules{}
	n := RulesSpec{Name: s.Name, Variants: s.Variants.normalized()}
	if n.Name == "" {
		n.Name = "custom"
	}
	if !ValidName(strings.ReplaceAll(strings.ReplaceAll(n.Name, "-", "_"), ".", "_")) {
		fail("name", fmt.Errorf("%q: letters, digits, _ - and . only, at most 64", n.Name))
	}
	round := func(key string, m RoundMode) RoundMode {
		if m == "" {
			return RoundDown
		}
		pm, err := ParseRoundMode(string(m))
		if err != nil {
			fail(key, err)
			return RoundDown
		}
		return pm
	}
	n.VATRound = round("rounding.vat", s.VATRound)
	n.PaymentVATRound = n.VATRound
	if s.PaymentVATRound != "" {
		n.PaymentVATRound = round("rounding.paymentVat", s.PaymentVATRound)
	}
	if err := n.Variants.Validate(); err != nil {
		errs = append(errs, err)
	}

	// Names: built-ins, parameters, user-defined formulas; none twice.
	slots := map[string]int{}
	for i, v := range Variables {
		slots[v.Name] = i
	}
	reserved := map[string]bool{}
	for _, f := range reservedFormulas {
		reserved[f.key] = true
	}
	// newName checks the key of a parameter or user-defined formula at
	// field: a name no variable, parameter or formula has yet.
	newName := func(field, key string) bool {
		_, taken := slots[key]
		switch {
		case !ValidName(key):
			fail(field, fmt.Errorf("%q is not a name: a letter or _, then letters, digits or _ (at most 64)", key))
		case taken || reserved[key]:
			fail(field, fmt.Errorf("%q is already a variable, parameter or formula", key))
		default:
			return true
		}
		return false
	}
	for i, p := range s.Parameters {
		key := fmt.Sprintf("parameters[%d]", i)
		if !newName(key+".key", p.Key) {
			continue
		}
		if p.Default != nil {
			if err := p.Default.Check(); err != nil {
				fail(key+".default", err)
			}
		}
		slots[p.Key] = int(nBuiltin) + len(n.Parameters)
		n.Parameters = append(n.Parameters, p)
	}
	for i, u := range s.UserDefined {
		if !newName(fmt.Sprintf("userDefinedFormulas[%d].key", i), u.Key) {
			continue
		}
		slots[u.Key] = int(nBuiltin) + len(n.Parameters) + len(r.user)
		r.user = append(r.user, u.Key)
	}

	// The formulas by key, defaults filled in.
	type src struct {
		field   string // rules-file path of the formula text
		formula string
		round   RoundMode
		kind    stepKind
		user    int
	}
	byKey := map[string]src{}
	for i, f := range reservedFormulas {
		byKey[f.key] = src{field: "formulas." + f.key + ".formula", formula: f.formula, round: RoundDown, kind: stepKind(i)}
	}
	seen := map[string]bool{}
	for _, f := range s.Formulas {
		if !reserved[f.Key] {
			fail("formulas."+f.Key, fmt.Errorf("not a reserved formula (want one of %s; the merchant's own go in userDefinedFormulas)", reservedKeys()))
			continue
		}
		if seen[f.Key] {
			fail("formulas."+f.Key, errors.New("given twice"))
			continue
		}
		seen[f.Key] = true
		b := byKey[f.Key]
		b.formula = f.Formula
		b.round = round("formulas."+f.Key+".round", f.Round)
		byKey[f.Key] = b
	}
	for i, u := range s.UserDefined {
		if i < len(r.user) && r.user[i] == u.Key {
			byKey[u.Key] = src{field: fmt.Sprintf("userDefinedFormulas[%d].formula", i), formula: u.Formula,
				round: round(fmt.Sprintf("userDefinedFormulas[%d].round", i), u.Round), kind: stepUser, user: i}
		}
	}

	// The evaluation order.
	order := s.OrderKeys
	if len(order) == 0 {
		// User-defined formulas come just before settlement, so that it may
		// read them, except those that read the settlement (or such a
		// formula): they come at the end.
		late := map[string]bool{}
		for changed := true; changed; {
			changed = false
			for _, k := range r.user {
				if late[k] {
					continue
				}
				tree, err := parseFormula(k, byKey[k].formula)
				if err != nil {
					continue
				}
				tree.names(func(nd *node) *FormulaError {
					if nd.text == "SETTLEMENT_AMOUNT" || nd.text == "SETTLEMENT_TAX_FREE_AMOUNT" || late[nd.text] {
						late[k], changed = true, true
					}
					return nil
				})
			}
		}
		for _, f := range reservedFormulas {
			if f.key == FormulaSettlement {
				for _, k := range r.user {
					if !late[k] {
						order = append(order, k)
					}
				}
			}
			order = append(order, f.key)
		}
		for _, k := range r.user {
			if late[k] {
				order = append(order, k)
			}
		}
	} else {
		n.OrderKeys = slices.Clone(order)
		pos := map[string]int{}
		for i, k := range order {
			if _, ok := byKey[k]; !ok {
				fail(fmt.Sprintf("orderKeys[%d]", i), fmt.Errorf("%q is not a formula of these rules", k))
			} else if j, dup := pos[k]; dup {
				fail(fmt.Sprintf("orderKeys[%d]", i), fmt.Errorf("%q is also orderKeys[%d]", k, j))
			}
			pos[k] = i
		}
		for _, f := range reservedFormulas {
			if _, ok := pos[f.key]; !ok {
				fail("orderKeys", fmt.Errorf("%q is missing: list every formula once", f.key))
			}
		}
		for _, k := range r.user {
			if _, ok := pos[k]; !ok {
				fail("orderKeys", fmt.Errorf("user-defined formula %q is missing: list every formula once", k))
			}
		}
	}

	// Compile in order: a formula reads inputs, parameters and what an
	// earlier formula computed.
	avail := map[string]bool{}
	for _, v := range Variables {
		if v.By == "" {
			avail[v.Name] = true
		}
	}
	for _, p := range n.Parameters {
		avail[p.Key] = true
	}
	computes := func(k string) []string {
		var out []string
		for _, v := range Variables {
			if v.By == k {
				out = append(out, v.Name)
			}
		}
		if len(out) == 0 {
			out = []string{k}
		}
		return out
	}
	for _, k := range order {
		b, ok := byKey[k]
		if !ok {
			continue
		}
		tree, ferr := parseFormula(k, b.formula)
		if ferr != nil {
			fail(b.field, ferr)
			continue
		}
		ferr = tree.names(func(nd *node) *FormulaError {
			name := nd.text
			slot, known := slots[name]
			switch {
			case !known:
				return &FormulaError{k, nd.col, fmt.Sprintf("unknown variable %q (see the variables in the README; parameters and user-defined formulas must be declared)", name)}
			case name == k:
				return &FormulaError{k, nd.col, fmt.Sprintf("%s refers to itself", k)}
			case (name == "FIXED_RATE" || name == "FIXED_AMOUNT") && !itemFormula(k):
				return &FormulaError{k, nd.col, fmt.Sprintf("%s is a policy's own figure: only discountShare, discountShareTaxFree, platformFee and additionalFee read it", name)}
			case !avail[name]:
				by := name
				if slot < int(nBuiltin) {
					by = Variables[slot].By
				}
				return &FormulaError{k, nd.col, fmt.Sprintf("%s is computed by %s, which comes after %s in orderKeys", name, by, k)}
			}
			if slot < int(nBuiltin) {
				r.uses[slot] = true
			}
			return nil
		})
		if ferr != nil {
			fail(b.field, ferr)
			continue
		}
		for _, v := range computes(k) {
			avail[v] = true
		}
		r.steps = append(r.steps, step{key: k, kind: b.kind, user: b.user, round: b.round, text: tree.String(),
			prog: compile(tree, func(name string) int { return slots[name] })})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	// The normalized spec: every formula, canonical, in evaluation order.
	for _, st := range r.steps {
		fs := FormulaSpec{Key: st.key, Formula: st.text, Round: st.round}
		if st.kind == stepUser {
			n.UserDefined = append(n.UserDefined, fs)
		} else {
			n.Formulas = append(n.Formulas, fs)
		}
	}
	if len(n.OrderKeys) == 0 {
		for _, st := range r.steps {
			n.OrderKeys = append(n.OrderKeys, st.key)
		}
	}
	r.spec, r.params, r.vat, r.payVat = n, n.Parameters, n.VATRound, n.PaymentVATRound
	r.fast, r.fee = r.isFast()
	r.text = r.render()
	sum := sha256.Sum256([]byte(r.text))
	r.version = n.Name + "@" + hex.EncodeToString(sum[:6])
	return r, nil
}

func reservedKeys() string {
	var ks []string
	for _, f := range reservedFormulas {
		ks = append(ks, f.key)
	}
	return strings.Join(ks, ", ")
}

// isFast reports whether the fixed code computes these rules exactly: the
// default formulas in the default order, one rounding for the discount
// share, platform fee and additional fee formulas, payment VAT rounded as
// VAT, and the order block as the sum of its lines. (The fixed-fee scope
// and the cancel rule are the scopes' business, not the formulas', and the
// short-month rule is the dates'.) It returns that one fee rounding.
func (r *Rules) isFast() (bool, RoundMode) {
	if len(r.user) > 0 || len(r.steps) != len(reservedFormulas) || r.payVat != r.vat || r.spec.Variants.OrderBlock != OrderBlockSumOfLines {
		return false, ""
	}
	fee := r.steps[0].round
	for i, st := range r.steps {
		def := reservedFormulas[i]
		if st.key != def.key || st.text != def.formula {
			return false, ""
		}
		if itemFormula(st.key) && st.round != fee {
			return false, ""
		}
	}
	return true, fee
}

// Spec returns the rules as written, normalized: every reserved formula
// (canonical text), its rounding, the full evaluation order and every
// variant's choice.
func (r *Rules) Spec() RulesSpec {
	s := r.or().spec
	s.Formulas = slices.Clone(s.Formulas)
	s.UserDefined = slices.Clone(s.UserDefined)
	s.OrderKeys = slices.Clone(s.OrderKeys)
	s.Parameters = slices.Clone(s.Parameters)
	return s
}

// Version identifies the rules: the name, "@" and 12 hex digits of a hash
// of everything else (the text of Text). A settlement records the version
// of the rules that computed it.
func (r *Rules) Version() string { return r.or().version }

// Variants returns the variants, each choice set.
func (r *Rules) Variants() Variants { return r.or().spec.Variants }

// IsDefault reports whether the rules compute exactly PortOne's documented
// defaults with today's behaviour.
func (r *Rules) IsDefault() bool { return r.or().text == defaultRules.text }

// UserDefinedKeys lists the keys of the user-defined formulas.
func (r *Rules) UserDefinedKeys() []string { return slices.Clone(r.or().user) }

func (r *Rules) or() *Rules {
	if r == nil {
		return defaultRules
	}
	return r
}

// Text renders the rules for people (the workbook's Contracts sheet, `settle
// calibrate`): one line per formula in evaluation order with its rounding,
// then the VAT roundings, the parameters and the variants. Version hashes
// this text.
func (r *Rules) Text() string { return r.or().text }

func (r *Rules) render() string {
	var b strings.Builder
	for _, st := range r.steps {
		kind := ""
		if st.kind == stepUser {
			kind = " (user-defined)"
		}
		fmt.Fprintf(&b, "%s = %s [round %s]%s\n", st.key, st.text, st.round, kind)
	}
	fmt.Fprintf(&b, "VAT (platformFeeVat, additionalFeeVat) = 10 %% [round %s]\n", r.spec.VATRound)
	fmt.Fprintf(&b, "paymentVat = taxable payment / 11 [round %s]\n", r.spec.PaymentVATRound)
	for _, p := range r.spec.Parameters {
		d := "required"
		if p.Default != nil {
			d = "default " + p.Default.String()
		}
		fmt.Fprintf(&b, "parameter %s (%s)\n", p.Key, d)
	}
	for _, v := range VariantList {
		fmt.Fprintf(&b, "%s: %s\n", v.Key, r.spec.Variants.Get(v.Key))
	}
	return b.String()
}

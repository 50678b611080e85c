package settlement

// Amounts is one amount block: PortOne's PlatformOrderSettlementAmount. An
// order transfer has one for the whole order and one per order line; so has
// a cancel transfer, for the part it takes back (positive magnitudes).
//
// Every block satisfies
//
//	Payment    = Order − Discount
//	Settlement = Order − DiscountShare − PlatformFee − PlatformFeeVat
//	             − AdditionalFee − AdditionalFeeVat − PaymentVatBurden
type Amounts struct {
	Settlement           Won
	SettlementTaxFree    Won
	Payment              Won
	PaymentVat           Won
	PaymentVatBurden     Won
	PaymentTaxFree       Won
	PaymentSupply        Won
	Order                Won
	OrderTaxFree         Won
	PlatformFee          Won
	PlatformFeeVat       Won
	AdditionalFee        Won
	AdditionalFeeVat     Won
	Discount             Won
	DiscountTaxFree      Won
	DiscountShare        Won
	DiscountShareTaxFree Won
}

// AmountField names one field of Amounts with PortOne's JSON name.
type AmountField struct {
	Name string
	Get  func(*Amounts) *Won
}

// AmountFields lists every field of Amounts in PortOne's schema order. Code
// that walks a block field by field (sums, comparisons, report columns) uses
// it so that a new field cannot be forgotten in one place.
var AmountFields = []AmountField{
	{"settlement", func(a *Amounts) *Won { return &a.Settlement }},
	{"settlementTaxFree", func(a *Amounts) *Won { return &a.SettlementTaxFree }},
	{"payment", func(a *Amounts) *Won { return &a.Payment }},
	{"paymentVat", func(a *Amounts) *Won { return &a.PaymentVat }},
	{"paymentVatBurden", func(a *Amounts) *Won { return &a.PaymentVatBurden }},
	{"paymentTaxFree", func(a *Amounts) *Won { return &a.PaymentTaxFree }},
	{"paymentSupply", func(a *Amounts) *Won { return &a.PaymentSupply }},
	{"order", func(a *Amounts) *Won { return &a.Order }},
	{"orderTaxFree", func(a *Amounts) *Won { return &a.OrderTaxFree }},
	{"platformFee", func(a *Amounts) *Won { return &a.PlatformFee }},
	{"platformFeeVat", func(a *Amounts) *Won { return &a.PlatformFeeVat }},
	{"additionalFee", func(a *Amounts) *Won { return &a.AdditionalFee }},
	{"additionalFeeVat", func(a *Amounts) *Won { return &a.AdditionalFeeVat }},
	{"discount", func(a *Amounts) *Won { return &a.Discount }},
	{"discountTaxFree", func(a *Amounts) *Won { return &a.DiscountTaxFree }},
	{"discountShare", func(a *Amounts) *Won { return &a.DiscountShare }},
	{"discountShareTaxFree", func(a *Amounts) *Won { return &a.DiscountShareTaxFree }},
}

// Add returns a + b field by field. Money never wraps: a sum outside
// int64's range is an *Error (INVALID_REQUEST) naming the first such field.
func (a Amounts) Add(b Amounts) (Amounts, error) {
	if s, ok := a.add(b); ok {
		return s, nil
	}
	return Amounts{}, a.overflow(b, (*checked).add)
}

// Sub returns a − b field by field, or an *Error as for Add.
func (a Amounts) Sub(b Amounts) (Amounts, error) {
	if d, ok := a.sub(b); ok {
		return d, nil
	}
	return Amounts{}, a.overflow(b, (*checked).sub)
}

// Neg returns −a field by field, or an *Error as for Add (only
// math.MinInt64 has no negation).
func (a Amounts) Neg() (Amounts, error) { return Amounts{}.Sub(a) }

// overflow names the first field where op leaves int64's range.
func (a Amounts) overflow(b Amounts, op func(*checked, Won, Won) Won) *Error {
	for _, f := range AmountFields {
		c := checked{ok: true}
		if op(&c, *f.Get(&a), *f.Get(&b)); !c.ok {
			return newError(ErrInvalidRequest, f.Name, "%d and %d: the result is beyond the range of a won amount", *f.Get(&a), *f.Get(&b))
		}
	}
	return newError(ErrInvalidRequest, "", "amounts out of range")
}

// add is Add without the error: ok is false when a field would wrap.
// (Written out rather than looped over AmountFields: it is on the hot path
// of every settlement; TestAddCoversEveryField keeps the two in step.)
func (a Amounts) add(b Amounts) (Amounts, bool) {
	c := checked{ok: true}
	return Amounts{
		Settlement:           c.add(a.Settlement, b.Settlement),
		SettlementTaxFree:    c.add(a.SettlementTaxFree, b.SettlementTaxFree),
		Payment:              c.add(a.Payment, b.Payment),
		PaymentVat:           c.add(a.PaymentVat, b.PaymentVat),
		PaymentVatBurden:     c.add(a.PaymentVatBurden, b.PaymentVatBurden),
		PaymentTaxFree:       c.add(a.PaymentTaxFree, b.PaymentTaxFree),
		PaymentSupply:        c.add(a.PaymentSupply, b.PaymentSupply),
		Order:                c.add(a.Order, b.Order),
		OrderTaxFree:         c.add(a.OrderTaxFree, b.OrderTaxFree),
		PlatformFee:          c.add(a.PlatformFee, b.PlatformFee),
		PlatformFeeVat:       c.add(a.PlatformFeeVat, b.PlatformFeeVat),
		AdditionalFee:        c.add(a.AdditionalFee, b.AdditionalFee),
		AdditionalFeeVat:     c.add(a.AdditionalFeeVat, b.AdditionalFeeVat),
		Discount:             c.add(a.Discount, b.Discount),
		DiscountTaxFree:      c.add(a.DiscountTaxFree, b.DiscountTaxFree),
		DiscountShare:        c.add(a.DiscountShare, b.DiscountShare),
		DiscountShareTaxFree: c.add(a.DiscountShareTaxFree, b.DiscountShareTaxFree),
	}, c.ok
}

// sub is Sub without the error.
func (a Amounts) sub(b Amounts) (Amounts, bool) {
	c := checked{ok: true}
	return Amounts{
		Settlement:           c.sub(a.Settlement, b.Settlement),
		SettlementTaxFree:    c.sub(a.SettlementTaxFree, b.SettlementTaxFree),
		Payment:              c.sub(a.Payment, b.Payment),
		PaymentVat:           c.sub(a.PaymentVat, b.PaymentVat),
		PaymentVatBurden:     c.sub(a.PaymentVatBurden, b.PaymentVatBurden),
		PaymentTaxFree:       c.sub(a.PaymentTaxFree, b.PaymentTaxFree),
		PaymentSupply:        c.sub(a.PaymentSupply, b.PaymentSupply),
		Order:                c.sub(a.Order, b.Order),
		OrderTaxFree:         c.sub(a.OrderTaxFree, b.OrderTaxFree),
		PlatformFee:          c.sub(a.PlatformFee, b.PlatformFee),
		PlatformFeeVat:       c.sub(a.PlatformFeeVat, b.PlatformFeeVat),
		AdditionalFee:        c.sub(a.AdditionalFee, b.AdditionalFee),
		AdditionalFeeVat:     c.sub(a.AdditionalFeeVat, b.AdditionalFeeVat),
		Discount:             c.sub(a.Discount, b.Discount),
		DiscountTaxFree:      c.sub(a.DiscountTaxFree, b.DiscountTaxFree),
		DiscountShare:        c.sub(a.DiscountShare, b.DiscountShare),
		DiscountShareTaxFree: c.sub(a.DiscountShareTaxFree, b.DiscountShareTaxFree),
	}, c.ok
}

// IsZero reports whether every field is zero.
func (a Amounts) IsZero() bool { return a == Amounts{} }

// DiscountResult is one discount with the partner's share of it.
type DiscountResult struct {
	SharePolicyID string
	Amount        Won
	TaxFree       Won
	ShareAmount   Won
	ShareTaxFree  Won
}

// FeeResult is one additional fee and the VAT the partner bears on it.
type FeeResult struct {
	PolicyID string
	Amount   Won
	VAT      Won
}

// LineResult is one order line of a transfer with its own amount block.
type LineResult struct {
	Product        Product
	Quantity       int64
	Discounts      []DiscountResult
	AdditionalFees []FeeResult
	Amounts        Amounts
	UserDefined    map[string]Won // amount.userDefinedFormulas; nil without user-defined formulas
}

// Transfer is what PortOne computes for one order or order-cancel transfer:
// the amount block, the per-line blocks, the order-level discounts and fees,
// and the dates. For a cancel every amount is the positive magnitude taken
// back.
type Transfer struct {
	Kind                Kind
	PartnerID           PartnerID
	PaymentID           PaymentID
	ContractID          string
	CancellationID      CancellationID // ORDER_CANCEL only
	SettlementStartDate Date
	SettlementDate      Date
	Amounts             Amounts
	Lines               []LineResult
	Discounts           []DiscountResult // order-level
	AdditionalFees      []FeeResult      // order-level
	UserDefined         map[string]Won   // amount.userDefinedFormulas of the order block; nil without user-defined formulas
}

// LinesTotal is the sum of the line blocks, or an *Error as for Add.
func (t *Transfer) LinesTotal() (Amounts, error) {
	var s Amounts
	for i := range t.Lines {
		var err error
		if s, err = s.Add(t.Lines[i].Amounts); err != nil {
			return Amounts{}, err
		}
	}
	return s, nil
}

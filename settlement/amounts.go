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

// Add returns a + b field by field. (Written out rather than looped over
// AmountFields: it is on the hot path of every settlement; TestAddCoversEveryField
// keeps the two in step.)
func (a Amounts) Add(b Amounts) Amounts {
	return Amounts{
		Settlement:           a.Settlement + b.Settlement,
		SettlementTaxFree:    a.SettlementTaxFree + b.SettlementTaxFree,
		Payment:              a.Payment + b.Payment,
		PaymentVat:           a.PaymentVat + b.PaymentVat,
		PaymentVatBurden:     a.PaymentVatBurden + b.PaymentVatBurden,
		PaymentTaxFree:       a.PaymentTaxFree + b.PaymentTaxFree,
		PaymentSupply:        a.PaymentSupply + b.PaymentSupply,
		Order:                a.Order + b.Order,
		OrderTaxFree:         a.OrderTaxFree + b.OrderTaxFree,
		PlatformFee:          a.PlatformFee + b.PlatformFee,
		PlatformFeeVat:       a.PlatformFeeVat + b.PlatformFeeVat,
		AdditionalFee:        a.AdditionalFee + b.AdditionalFee,
		AdditionalFeeVat:     a.AdditionalFeeVat + b.AdditionalFeeVat,
		Discount:             a.Discount + b.Discount,
		DiscountTaxFree:      a.DiscountTaxFree + b.DiscountTaxFree,
		DiscountShare:        a.DiscountShare + b.DiscountShare,
		DiscountShareTaxFree: a.DiscountShareTaxFree + b.DiscountShareTaxFree,
	}
}

// Sub returns a − b field by field.
func (a Amounts) Sub(b Amounts) Amounts {
	return Amounts{
		Settlement:           a.Settlement - b.Settlement,
		SettlementTaxFree:    a.SettlementTaxFree - b.SettlementTaxFree,
		Payment:              a.Payment - b.Payment,
		PaymentVat:           a.PaymentVat - b.PaymentVat,
		PaymentVatBurden:     a.PaymentVatBurden - b.PaymentVatBurden,
		PaymentTaxFree:       a.PaymentTaxFree - b.PaymentTaxFree,
		PaymentSupply:        a.PaymentSupply - b.PaymentSupply,
		Order:                a.Order - b.Order,
		OrderTaxFree:         a.OrderTaxFree - b.OrderTaxFree,
		PlatformFee:          a.PlatformFee - b.PlatformFee,
		PlatformFeeVat:       a.PlatformFeeVat - b.PlatformFeeVat,
		AdditionalFee:        a.AdditionalFee - b.AdditionalFee,
		AdditionalFeeVat:     a.AdditionalFeeVat - b.AdditionalFeeVat,
		Discount:             a.Discount - b.Discount,
		DiscountTaxFree:      a.DiscountTaxFree - b.DiscountTaxFree,
		DiscountShare:        a.DiscountShare - b.DiscountShare,
		DiscountShareTaxFree: a.DiscountShareTaxFree - b.DiscountShareTaxFree,
	}
}

// Neg returns −a field by field.
func (a Amounts) Neg() Amounts { return Amounts{}.Sub(a) }

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
}

// LinesTotal is the sum of the line blocks.
func (t *Transfer) LinesTotal() Amounts {
	var s Amounts
	for i := range t.Lines {
		s = s.Add(t.Lines[i].Amounts)
	}
	return s
}

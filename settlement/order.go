package settlement

// Kind is the kind of a transfer.
type Kind string

// The transfer kinds of PortOne's PlatformTransfer.
const (
	KindOrder       Kind = "ORDER"
	KindOrderCancel Kind = "ORDER_CANCEL"
	KindManual      Kind = "MANUAL"
)

// Discount is a discount given on an order or on one order line, and the
// policy that says how much of it the partner bears. On a cancellation it is
// the part of that discount being cancelled.
type Discount struct {
	SharePolicyID string
	Amount        Won
	TaxFree       Won
}

// Product is an order line's product. Amount and TaxFree are unit prices.
type Product struct {
	ID      string
	Name    string
	Amount  Won
	TaxFree Won
	Tag     string
}

// Line is one order line: a product, a quantity, and the discounts and
// additional-fee policies applied to this line alone.
type Line struct {
	Product        Product
	Quantity       int64
	Discounts      []Discount
	AdditionalFees []string // policy ids
}

// Order is what a marketplace registers for one partner and one payment:
// PortOne's CreatePlatformOrderTransferBody in domain terms. Exactly one of
// OrderAmount (HasLines false) and Lines (HasLines true) describes it.
type Order struct {
	PartnerID  PartnerID
	PaymentID  PaymentID
	ContractID string

	HasLines    bool
	OrderAmount Won
	Lines       []Line

	// TaxFree, when set, overrides the sum of the lines' tax-free amounts
	// (or is the whole order's tax-free amount without lines).
	TaxFree *Won

	Discounts      []Discount // order-level
	AdditionalFees []string   // order-level policy ids

	SettlementStartDate Date
	SettlementDate      Date // explicit override of the cycle; zero when absent

	// Parameters are the values of the merchant's settlement parameters
	// (PortOne's parameters) that the merchant's formulas read.
	Parameters map[string]Param
}

// CancelForm says how a cancellation describes what it takes back.
type CancelForm int

// The three forms of PortOne's CreatePlatformOrderCancelTransferBodyOrderDetail.
const (
	CancelByAmount CancelForm = iota + 1 // orderAmount
	CancelByLines                        // orderLines
	CancelAll                            // all
)

// CancelLine takes back Quantity units of one product, and the named parts
// of that line's discounts.
type CancelLine struct {
	ProductID string
	Quantity  int64
	Discounts []Discount
}

// Cancellation is a cancel of (part of) an order: PortOne's
// CreatePlatformOrderCancelTransferBody in domain terms.
type Cancellation struct {
	CancellationID CancellationID

	Form        CancelForm
	OrderAmount Won // CancelByAmount: cancelled order amount, discount included
	Lines       []CancelLine

	TaxFree   *Won       // cancelled tax-free amount; overrides the derived one
	Discounts []Discount // order-level discount parts being cancelled

	SettlementStartDate Date
	SettlementDate      Date
}

package settlement

import (
	"fmt"
	"slices"
)

// scope is one place where the formulas run: an order line, the order-level
// items of an order with lines, or the whole of an order given by amount.
type scope struct {
	order, orderTaxFree Won
	feeBase             Won // base of rate fees: the scope's order amount, or the whole order for order-level items
	discounts           []Discount
	fees                []string
	rateFee             bool // the contract's rate applies here
	fixedFee            bool // the contract's fixed amount is charged here (once per transfer)
	partial             bool // a partial cancel: fixed-amount policy fees are returned only with the remainder
}

// part is a computed scope: its block and its discount and fee details,
// one entry per policy in order of first appearance.
type part struct {
	amounts   Amounts
	discounts []DiscountResult
	fees      []FeeResult
}

func (t *Terms) compute(s scope) part {
	var p part
	a := &p.amounts
	fr, vr := t.Rounding.Fee, t.Rounding.VAT
	a.Order, a.OrderTaxFree = s.order, s.orderTaxFree
	for _, d := range s.discounts {
		rate := t.DiscountSharePolicies[d.SharePolicyID].PartnerShareRate
		p.discounts = addDiscount(p.discounts, DiscountResult{
			SharePolicyID: d.SharePolicyID, Amount: d.Amount, TaxFree: d.TaxFree,
			ShareAmount: ApplyRate(d.Amount, rate, fr), ShareTaxFree: ApplyRate(d.TaxFree, rate, fr),
		})
	}
	c := t.Contract
	if s.rateFee && c.PlatformFee.Kind == FeeFixedRate {
		a.PlatformFee = ApplyRate(s.feeBase, c.PlatformFee.Rate, fr)
	}
	if s.fixedFee && c.PlatformFee.Kind == FeeFixedAmount {
		a.PlatformFee = c.PlatformFee.Amount
	}
	if c.PlatformFeeVatPayer == PayerPartner {
		a.PlatformFeeVat = VATOf(a.PlatformFee, vr)
	}
	for _, id := range s.fees {
		pol := t.AdditionalFeePolicies[id]
		var amt Won
		if pol.Fee.Kind == FeeFixedAmount {
			if !s.partial {
				amt = pol.Fee.Amount
			}
		} else {
			amt = ApplyRate(s.feeBase, pol.Fee.Rate, fr)
		}
		var vat Won
		if pol.VatPayer == PayerPartner {
			vat = VATOf(amt, vr)
		}
		p.fees = addFee(p.fees, FeeResult{PolicyID: id, Amount: amt, VAT: vat})
	}
	p.sumItems()
	_, a.PaymentVat = SplitVAT((a.Order-a.Discount)-(a.OrderTaxFree-a.DiscountTaxFree), vr)
	derive(a, c.SubtractPaymentVatAmount)
	return p
}

// sumItems sets the block's discount and fee totals from its items.
func (p *part) sumItems() {
	a := &p.amounts
	a.Discount, a.DiscountTaxFree, a.DiscountShare, a.DiscountShareTaxFree = 0, 0, 0, 0
	for _, d := range p.discounts {
		a.Discount += d.Amount
		a.DiscountTaxFree += d.TaxFree
		a.DiscountShare += d.ShareAmount
		a.DiscountShareTaxFree += d.ShareTaxFree
	}
	a.AdditionalFee, a.AdditionalFeeVat = 0, 0
	for _, f := range p.fees {
		a.AdditionalFee += f.Amount
		a.AdditionalFeeVat += f.VAT
	}
}

// derive sets the fields that follow from the others; paymentVat is an
// input here because a cancel may have capped it.
func derive(a *Amounts, subtractPaymentVat bool) {
	a.Payment = a.Order - a.Discount
	a.PaymentTaxFree = a.OrderTaxFree - a.DiscountTaxFree
	a.PaymentSupply = a.Payment - a.PaymentTaxFree - a.PaymentVat
	a.PaymentVatBurden = 0
	if subtractPaymentVat {
		a.PaymentVatBurden = a.PaymentVat
	}
	a.Settlement = a.Order - a.DiscountShare - a.PlatformFee - a.PlatformFeeVat -
		a.AdditionalFee - a.AdditionalFeeVat - a.PaymentVatBurden
	a.SettlementTaxFree = a.OrderTaxFree - a.DiscountShareTaxFree
}

func addDiscount(ds []DiscountResult, d DiscountResult) []DiscountResult {
	for i := range ds {
		if ds[i].SharePolicyID == d.SharePolicyID {
			ds[i].Amount += d.Amount
			ds[i].TaxFree += d.TaxFree
			ds[i].ShareAmount += d.ShareAmount
			ds[i].ShareTaxFree += d.ShareTaxFree
			return ds
		}
	}
	return append(ds, d)
}

func addFee(fs []FeeResult, f FeeResult) []FeeResult {
	for i := range fs {
		if fs[i].PolicyID == f.PolicyID {
			fs[i].Amount += f.Amount
			fs[i].VAT += f.VAT
			return fs
		}
	}
	return append(fs, f)
}

// SettleOrder validates o against t and computes its order transfer.
//
// Errors are *Error values with PortOne's types: INVALID_REQUEST for
// malformed values, PLATFORM_PRODUCT_ID_DUPLICATED,
// PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED (discount over order, tax-free over
// its base), PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND,
// PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND and
// PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE.
func SettleOrder(o Order, t Terms) (Transfer, error) {
	b, err := NewBook(o, t)
	if err != nil {
		return Transfer{}, err
	}
	return b.orig, nil
}

// Book is one order transfer and what its cancellations have taken back so
// far. It is a value of the domain, not a store: callers rebuild it from the
// order and its accepted cancellations (NewBook, then Cancel for each in
// the order they were accepted). A Book is not safe for concurrent use.
type Book struct {
	terms  Terms
	order  Order
	orig   Transfer
	lines  []remainder // per order line, aligned with order.Lines
	rest   remainder   // order-level items (or the whole order without lines)
	closed bool        // fully cancelled
}

// remainder is what is left of one scope.
type remainder struct {
	qty int64
	part
}

// NewBook settles o and returns the book that tracks its cancellations.
// It returns the errors of SettleOrder.
func NewBook(o Order, t Terms) (*Book, error) {
	if t.Rounding == (Rounding{}) {
		t.Rounding = DefaultRounding
	}
	if t.Calendar == nil {
		t.Calendar = KoreanCalendar()
	}
	if err := validateOrder(&o, &t); err != nil {
		return nil, err
	}
	b := &Book{terms: t, order: o}
	tr := Transfer{
		Kind: KindOrder, PartnerID: o.PartnerID, PaymentID: o.PaymentID, ContractID: t.Contract.ID,
		SettlementStartDate: o.SettlementStartDate,
	}
	var total Won
	if o.HasLines {
		b.lines = make([]remainder, 0, len(o.Lines))
		tr.Lines = make([]LineResult, 0, len(o.Lines))
		var linesTaxFree Won
		for _, l := range o.Lines {
			order, tf := l.Product.Amount*Won(l.Quantity), l.Product.TaxFree*Won(l.Quantity)
			total += order
			linesTaxFree += tf
			p := t.compute(scope{order: order, orderTaxFree: tf, feeBase: order, discounts: l.Discounts, fees: l.AdditionalFees, rateFee: true})
			if err := checkBlock(&p.amounts, len(tr.Lines), l.Product.ID); err != nil {
				return nil, err
			}
			b.lines = append(b.lines, remainder{qty: l.Quantity, part: p})
			tr.Lines = append(tr.Lines, LineResult{Product: l.Product, Quantity: l.Quantity, Discounts: p.discounts, AdditionalFees: p.fees, Amounts: p.amounts})
		}
		var restTF Won
		if o.TaxFree != nil {
			restTF = *o.TaxFree - linesTaxFree
		}
		b.rest.part = t.compute(scope{orderTaxFree: restTF, feeBase: total, discounts: o.Discounts, fees: o.AdditionalFees, fixedFee: true})
	} else {
		total = o.OrderAmount
		var tf Won
		if o.TaxFree != nil {
			tf = *o.TaxFree
		}
		b.rest.part = t.compute(scope{order: total, orderTaxFree: tf, feeBase: total, discounts: o.Discounts, fees: o.AdditionalFees, rateFee: true, fixedFee: true})
	}
	tr.Discounts, tr.AdditionalFees = b.rest.discounts, b.rest.fees
	tr.Amounts = tr.LinesTotal().Add(b.rest.amounts)
	if err := checkBlock(&tr.Amounts, -1, ""); err != nil {
		return nil, err
	}
	d, err := SettlementDateOf(o.SettlementStartDate, o.SettlementDate, t.Contract.Cycle, t.Calendar, t.AdjustEarlierToNextDay)
	if err != nil {
		return nil, err
	}
	tr.SettlementDate = d
	b.orig = tr
	return b, nil
}

// checkBlock applies PortOne's PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED rules to
// one block: discount ≤ order, discount tax-free ≤ discount and ≤ order
// tax-free, payment tax-free ≤ payment. line is the order line's index, or
// -1 for the whole order; the field path is built only on failure.
func checkBlock(a *Amounts, line int, productID string) error {
	fail := func(sub AmountExceededType, f string, req, allowed Won, what string) error {
		if line >= 0 {
			f = fmt.Sprintf("orderDetail.orderLines[%d].%s", line, f)
		}
		return &Error{Type: ErrSettlementAmountExceeded, Field: f, ExceededType: sub, ProductID: productID,
			Requested: req, Allowed: allowed, Message: fmt.Sprintf("%s %d exceeds %d", what, req, allowed)}
	}
	switch {
	case a.Discount > a.Order:
		return fail(DiscountThanOrder, "discounts", a.Discount, a.Order, "discount")
	case a.DiscountTaxFree > a.Discount:
		return fail(DiscountTaxFreeThanDiscount, "discounts", a.DiscountTaxFree, a.Discount, "discount tax-free")
	case a.DiscountTaxFree > a.OrderTaxFree:
		return fail(DiscountTaxFreeThanOrderTaxFree, "discounts", a.DiscountTaxFree, a.OrderTaxFree, "discount tax-free")
	case a.PaymentTaxFree > a.Payment:
		return fail(PaymentTaxFreeThanPayment, "taxFreeAmount", a.PaymentTaxFree, a.Payment, "payment tax-free")
	}
	return nil
}

func validateOrder(o *Order, t *Terms) error {
	if o.PartnerID == "" {
		return newError(ErrInvalidRequest, "partnerId", "required")
	}
	if o.PaymentID == "" {
		return newError(ErrInvalidRequest, "paymentId", "required")
	}
	if o.SettlementStartDate.IsZero() {
		return newError(ErrInvalidRequest, "settlementStartDate", "required")
	}
	if err := t.Rounding.Validate(); err != nil {
		return newError(ErrInvalidRequest, "rounding", "%v", err)
	}
	if err := validateContract(&t.Contract); err != nil {
		return err
	}
	var missingD, missingF []string
	checkPolicies := func(ds []Discount, fees []string, line int) error {
		at := func() string {
			if line < 0 {
				return ""
			}
			return fmt.Sprintf("orderDetail.orderLines[%d].", line)
		}
		if len(ds) > MaxItems || len(fees) > MaxItems {
			return newError(ErrInvalidRequest, at()+"discounts", "at most %d discounts and %d additional fees", MaxItems, MaxItems)
		}
		for i, d := range ds {
			if err := checkDiscount(d); err != nil {
				err.Field = fmt.Sprintf("%sdiscounts[%d].%s", at(), i, err.Field)
				return err
			}
			if _, ok := t.DiscountSharePolicies[d.SharePolicyID]; !ok && !slices.Contains(missingD, d.SharePolicyID) {
				missingD = append(missingD, d.SharePolicyID)
			}
		}
		for _, id := range fees {
			if _, ok := t.AdditionalFeePolicies[id]; !ok && !slices.Contains(missingF, id) {
				missingF = append(missingF, id)
			}
		}
		return nil
	}
	if o.HasLines {
		if len(o.Lines) == 0 {
			return newError(ErrInvalidRequest, "orderDetail.orderLines", "at least one order line")
		}
		if len(o.Lines) > MaxLines {
			return newError(ErrInvalidRequest, "orderDetail.orderLines", "at most %d order lines, got %d", MaxLines, len(o.Lines))
		}
		seen := make(map[string]int, len(o.Lines))
		var total Won
		for i, l := range o.Lines {
			p := l.Product
			if err := checkLine(i, l); err != nil {
				return err
			}
			if j, dup := seen[p.ID]; dup {
				e := newError(ErrProductIDDuplicated, fmt.Sprintf("orderDetail.orderLines[%d].product.id", i), "product %q is also order line %d", p.ID, j)
				e.ProductID = p.ID
				return e
			}
			seen[p.ID] = i
			total += p.Amount * Won(l.Quantity)
			if total > MaxAmount {
				return newError(ErrInvalidRequest, "orderDetail.orderLines", "order total exceeds %d", MaxAmount)
			}
			if err := checkPolicies(l.Discounts, l.AdditionalFees, i); err != nil {
				return err
			}
		}
	} else if o.OrderAmount < 0 || o.OrderAmount > MaxAmount {
		return newError(ErrInvalidRequest, "orderDetail.orderAmount", "must be 0..%d, got %d", MaxAmount, o.OrderAmount)
	}
	if o.TaxFree != nil && (*o.TaxFree < 0 || *o.TaxFree > MaxAmount) {
		return newError(ErrInvalidRequest, "taxFreeAmount", "must be 0..%d, got %d", MaxAmount, *o.TaxFree)
	}
	if err := checkPolicies(o.Discounts, o.AdditionalFees, -1); err != nil {
		return err
	}
	if len(missingD) > 0 {
		e := newError(ErrDiscountSharePoliciesNotFound, "discounts", "unknown discount share policies %v", missingD)
		e.PolicyIDs = missingD
		return e
	}
	if len(missingF) > 0 {
		e := newError(ErrAdditionalFeePoliciesNotFound, "additionalFees", "unknown additional fee policies %v", missingF)
		e.PolicyIDs = missingF
		return e
	}
	return nil
}

// checkLine checks one order line's own values.
func checkLine(i int, l Line) error {
	p := l.Product
	field := func(f string) string { return fmt.Sprintf("orderDetail.orderLines[%d].%s", i, f) }
	switch {
	case p.ID == "":
		return newError(ErrInvalidRequest, field("product.id"), "required")
	case l.Quantity <= 0 || l.Quantity > MaxQuantity:
		return newError(ErrInvalidRequest, field("quantity"), "must be 1..%d, got %d", MaxQuantity, l.Quantity)
	case p.Amount < 0 || p.Amount > MaxAmount:
		return newError(ErrInvalidRequest, field("product.amount"), "must be 0..%d, got %d", MaxAmount, p.Amount)
	case p.TaxFree < 0 || p.TaxFree > p.Amount:
		return newError(ErrInvalidRequest, field("product.taxFreeAmount"), "must be 0..product.amount (%d), got %d", p.Amount, p.TaxFree)
	case p.Amount > 0 && Won(l.Quantity) > MaxAmount/p.Amount:
		return newError(ErrInvalidRequest, field("quantity"), "amount × quantity exceeds %d", MaxAmount)
	}
	return nil
}

// checkDiscount checks one discount's own values; the error's Field is
// relative to the discount and the caller prefixes its path.
func checkDiscount(d Discount) *Error {
	switch {
	case d.SharePolicyID == "":
		return newError(ErrInvalidRequest, "sharePolicyId", "required")
	case d.Amount < 0 || d.Amount > MaxAmount:
		return newError(ErrInvalidRequest, "amount", "must be 0..%d, got %d", MaxAmount, d.Amount)
	case d.TaxFree < 0:
		return newError(ErrInvalidRequest, "taxFreeAmount", "must be >= 0, got %d", d.TaxFree)
	case d.TaxFree > d.Amount:
		return &Error{Type: ErrSettlementAmountExceeded, Field: "taxFreeAmount", ExceededType: DiscountTaxFreeThanDiscount,
			PolicyID: d.SharePolicyID, Requested: d.TaxFree, Allowed: d.Amount,
			Message: fmt.Sprintf("discount tax-free %d exceeds discount %d", d.TaxFree, d.Amount)}
	}
	return nil
}

func validateContract(c *Contract) error {
	switch c.PlatformFee.Kind {
	case FeeFixedRate:
		if c.PlatformFee.Rate < 0 || c.PlatformFee.Rate > RateScale {
			return newError(ErrInvalidRequest, "contract.platformFee.fixedRate", "must be 0..100000, got %d", c.PlatformFee.Rate)
		}
	case FeeFixedAmount:
		if c.PlatformFee.Amount < 0 || c.PlatformFee.Amount > MaxAmount {
			return newError(ErrInvalidRequest, "contract.platformFee.fixedAmount", "must be 0..%d, got %d", MaxAmount, c.PlatformFee.Amount)
		}
	default:
		return newError(ErrInvalidRequest, "contract.platformFee", "exactly one of fixedRate and fixedAmount")
	}
	switch c.PlatformFeeVatPayer {
	case PayerPartner, PayerMerchant:
	default:
		return newError(ErrInvalidRequest, "contract.platformFeeVatPayer", "must be PARTNER or MERCHANT, got %q", c.PlatformFeeVatPayer)
	}
	if err := c.Cycle.Validate(); err != nil {
		return err
	}
	return nil
}

// Order returns the order transfer the book started from.
func (b *Book) Order() Transfer { return b.orig }

// Remaining is the order block less everything cancelled so far.
func (b *Book) Remaining() Amounts {
	a := b.rest.amounts
	for i := range b.lines {
		a = a.Add(b.lines[i].amounts)
	}
	return a
}

// RemainingQuantity is the quantity of productID not yet cancelled.
func (b *Book) RemainingQuantity(productID string) (int64, bool) {
	for i, l := range b.order.Lines {
		if l.Product.ID == productID {
			return b.lines[i].qty, true
		}
	}
	return 0, false
}

// FullyCancelled reports whether a cancel has taken the whole order.
func (b *Book) FullyCancelled() bool { return b.closed }

package intake

import (
	"fmt"
	"math"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// Limits every record must keep, besides PortOne's own rules. They keep
// every sum the settlement engine forms exact in int64 and every record a
// bounded size.
const (
	// MaxAmount is the largest amount of any field, line (unit × quantity)
	// or order: 10^14 won.
	MaxAmount = 100_000_000_000_000
	// MaxLines is the most order lines one record may have.
	MaxLines = 10_000
	// MaxIDBytes is the longest partnerId, paymentId or cancellationId.
	MaxIDBytes = 256
)

// The structural checks below are the settlement rules that need no
// contract or policy: required ids, signs, sizes, uniqueness, and the order
// of the two dates. The settlement engine (see Validator) checks the rest.

// CheckID checks one id field of a record.
func CheckID(field, v string) *settlement.Error {
	switch {
	case v == "":
		return invalid(field, "required")
	case len(v) > MaxIDBytes:
		return invalid(field, "at most %d bytes, got %d", MaxIDBytes, len(v))
	}
	return nil
}

func checkAmount(field string, v int64) *settlement.Error {
	switch {
	case v < 0:
		return invalid(field, "must be >= 0, got %d", v)
	case v > MaxAmount:
		return invalid(field, "must be <= %d, got %d", int64(MaxAmount), v)
	}
	return nil
}

func checkQuantity(field string, q int64) *settlement.Error {
	switch {
	case q <= 0:
		return invalid(field, "must be > 0, got %d", q)
	case q > math.MaxInt32:
		return invalid(field, "must be <= %d, got %d", math.MaxInt32, q)
	}
	return nil
}

func checkDiscounts(field string, ds []transfer.DiscountInput, unique bool) *settlement.Error {
	seen := make(map[string]bool, len(ds))
	for i, d := range ds {
		f := fmt.Sprintf("%s[%d]", field, i)
		if d.SharePolicyID == "" {
			return invalid(f+".sharePolicyId", "required")
		}
		if unique {
			if seen[d.SharePolicyID] {
				return &settlement.Error{Type: settlement.ErrDiscountSharePolicyIDDuplicated, Field: f + ".sharePolicyId",
					PolicyID: d.SharePolicyID, Message: fmt.Sprintf("discount share policy %q appears twice", clip(d.SharePolicyID))}
			}
			seen[d.SharePolicyID] = true
		}
		if err := checkAmount(f+".amount", d.Amount); err != nil {
			return err
		}
		if d.TaxFreeAmount != nil {
			if err := checkAmount(f+".taxFreeAmount", *d.TaxFreeAmount); err != nil {
				return err
			}
			if *d.TaxFreeAmount > d.Amount {
				return &settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Field: f + ".taxFreeAmount",
					ExceededType: settlement.DiscountTaxFreeThanDiscount, PolicyID: d.SharePolicyID,
					Requested: settlement.Won(*d.TaxFreeAmount), Allowed: settlement.Won(d.Amount),
					Message: fmt.Sprintf("must be <= amount %d, got %d", d.Amount, *d.TaxFreeAmount)}
			}
		}
	}
	return nil
}

func sumDiscounts(ds []transfer.DiscountInput) int64 {
	var s int64
	for _, d := range ds {
		s += d.Amount // each <= MaxAmount and len bounded: no overflow
	}
	return s
}

// checkOrderBody applies the structural rules to an order body that
// transfer.(*CreateOrderTransferBody).Order has accepted.
func checkOrderBody(b *transfer.CreateOrderTransferBody) error {
	if err := CheckID("partnerId", b.PartnerID); err != nil {
		return err
	}
	if err := CheckID("paymentId", b.PaymentID); err != nil {
		return err
	}
	var total int64
	if a := b.OrderDetail.OrderAmount; a != nil {
		if err := checkAmount("orderDetail.orderAmount", *a); err != nil {
			return err
		}
		total = *a
	} else {
		lines := b.OrderDetail.OrderLines
		if len(lines) == 0 {
			return invalid("orderDetail.orderLines", "must have at least one line")
		}
		if len(lines) > MaxLines {
			return invalid("orderDetail.orderLines", "at most %d lines, got %d", MaxLines, len(lines))
		}
		seen := make(map[string]bool, len(lines))
		for i, l := range lines {
			f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
			if l.Product.ID == "" {
				return invalid(f+".product.id", "required")
			}
			if seen[l.Product.ID] {
				return &settlement.Error{Type: settlement.ErrProductIDDuplicated, Field: f + ".product.id",
					ProductID: l.Product.ID, Message: fmt.Sprintf("product %q appears twice", clip(l.Product.ID))}
			}
			seen[l.Product.ID] = true
			if l.Product.Name == "" {
				return invalid(f+".product.name", "required")
			}
			if err := checkAmount(f+".product.amount", l.Product.Amount); err != nil {
				return err
			}
			if tf := l.Product.TaxFreeAmount; tf != nil {
				if err := checkAmount(f+".product.taxFreeAmount", *tf); err != nil {
					return err
				}
				if *tf > l.Product.Amount {
					return invalid(f+".product.taxFreeAmount", "must be <= product.amount %d, got %d", l.Product.Amount, *tf)
				}
			}
			if err := checkQuantity(f+".quantity", l.Quantity); err != nil {
				return err
			}
			if l.Product.Amount > 0 && l.Quantity > MaxAmount/l.Product.Amount {
				return invalid(f+".quantity", "line amount %d × %d exceeds %d", l.Product.Amount, l.Quantity, int64(MaxAmount))
			}
			lineTotal := l.Product.Amount * l.Quantity
			if err := checkDiscounts(f+".discounts", l.Discounts, false); err != nil {
				return err
			}
			if d := sumDiscounts(l.Discounts); d > lineTotal {
				return &settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Field: f + ".discounts",
					ExceededType: settlement.DiscountThanOrder, ProductID: l.Product.ID,
					Requested: settlement.Won(d), Allowed: settlement.Won(lineTotal),
					Message: fmt.Sprintf("discounts %d exceed the line amount %d", d, lineTotal)}
			}
			for j, fee := range l.AdditionalFees {
				if fee.PolicyID == "" {
					return invalid(fmt.Sprintf("%s.additionalFees[%d].policyId", f, j), "required")
				}
			}
			total += lineTotal
			if total > MaxAmount {
				return invalid("orderDetail.orderLines", "order amount exceeds %d", int64(MaxAmount))
			}
		}
	}
	if tf := b.TaxFreeAmount; tf != nil {
		if err := checkAmount("taxFreeAmount", *tf); err != nil {
			return err
		}
		if *tf > total {
			return invalid("taxFreeAmount", "must be <= the order amount %d, got %d", total, *tf)
		}
	}
	if err := checkDiscounts("discounts", b.Discounts, false); err != nil {
		return err
	}
	if d := sumDiscounts(b.Discounts); d > total {
		return &settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Field: "discounts",
			ExceededType: settlement.DiscountThanOrder, Requested: settlement.Won(d), Allowed: settlement.Won(total),
			Message: fmt.Sprintf("discounts %d exceed the order amount %d", d, total)}
	}
	for j, fee := range b.AdditionalFees {
		if fee.PolicyID == "" {
			return invalid(fmt.Sprintf("additionalFees[%d].policyId", j), "required")
		}
	}
	return nil
}

// checkCancelBody applies the structural rules to a cancel body that
// transfer.(*CreateOrderCancelTransferBody).Cancellation has accepted.
func checkCancelBody(b *transfer.CreateOrderCancelTransferBody) error {
	if err := CheckID("cancellationId", b.CancellationID); err != nil {
		return err
	}
	if err := CheckID("partnerId", b.PartnerID); err != nil {
		return err
	}
	if err := CheckID("paymentId", b.PaymentID); err != nil {
		return err
	}
	od := b.OrderDetail // non-nil: Cancellation checked it
	if a := od.OrderAmount; a != nil {
		if err := checkAmount("orderDetail.orderAmount", *a); err != nil {
			return err
		}
	}
	if od.OrderLines != nil {
		if len(od.OrderLines) == 0 {
			return invalid("orderDetail.orderLines", "must have at least one line")
		}
		if len(od.OrderLines) > MaxLines {
			return invalid("orderDetail.orderLines", "at most %d lines, got %d", MaxLines, len(od.OrderLines))
		}
		seen := make(map[string]bool, len(od.OrderLines))
		for i, l := range od.OrderLines {
			f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
			if l.ProductID == "" {
				return invalid(f+".productId", "required")
			}
			if seen[l.ProductID] {
				return &settlement.Error{Type: settlement.ErrProductIDDuplicated, Field: f + ".productId",
					ProductID: l.ProductID, Message: fmt.Sprintf("product %q appears twice", clip(l.ProductID))}
			}
			seen[l.ProductID] = true
			if err := checkQuantity(f+".quantity", l.Quantity); err != nil {
				return err
			}
			if err := checkDiscounts(f+".discounts", l.Discounts, true); err != nil {
				return err
			}
		}
	}
	if tf := b.TaxFreeAmount; tf != nil {
		if err := checkAmount("taxFreeAmount", *tf); err != nil {
			return err
		}
	}
	if err := checkDiscounts("discounts", b.Discounts, true); err != nil {
		return err
	}
	return nil
}

func checkDates(start, explicit settlement.Date) error {
	if !explicit.IsZero() && explicit.Before(start) {
		return &settlement.Error{Type: settlement.ErrSettlementDateEarlierThanSettlementStartDate, Field: "settlementDate",
			StartDate: start, SettlementDate: explicit,
			Message: fmt.Sprintf("%s is before settlementStartDate %s", explicit, start)}
	}
	return nil
}

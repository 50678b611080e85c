package transfer

import (
	"fmt"

	"github.com/settle-dev/settle/settlement"
)

// Checks of a request body before it is sent: what PortOne would refuse
// without a round trip (required ids, exactly one branch of a oneOf). Errors
// are *settlement.Error INVALID_REQUEST naming the JSON field.

// invalid is an INVALID_REQUEST naming field.
func invalid(field, format string, args ...any) *settlement.Error {
	return &settlement.Error{Type: settlement.ErrInvalidRequest, Field: field, Message: fmt.Sprintf(format, args...)}
}

// validatePartnerBody checks what PortOne would reject without a round trip:
// the required fields and exactly one branch of type.
func validatePartnerBody(field string, b *CreatePartnerBody) error {
	if b.Name == "" {
		return invalid(field+"name", "required")
	}
	if b.DefaultContractID == "" {
		return invalid(field+"defaultContractId", "required")
	}
	if n := b.Type.branches(); n != 1 {
		return invalid(field+"type", "exactly one of business, whtPayer and nonWhtPayer, got %d", n)
	}
	if len(b.Tags) > 10 {
		return invalid(field+"tags", "at most 10, got %d", len(b.Tags))
	}
	return nil
}

// countSet counts the true values: how many branches of a one-of are set.
func countSet(set ...bool) int {
	n := 0
	for _, s := range set {
		if s {
			n++
		}
	}
	return n
}

func feeBranches(f FeeInput) int { return countSet(f.FixedRate != nil, f.FixedAmount != nil) }

func cycleBranches(m CycleMethodInput) int {
	return countSet(m.Daily != nil, m.Weekly != nil, m.Monthly != nil, m.ManualDates != nil)
}

func validateContract(name string, fee *FeeInput, cycle *CycleInput, create bool) error {
	if create && name == "" {
		return invalid("name", "required")
	}
	if fee != nil && feeBranches(*fee) != 1 {
		return invalid("platformFee", "exactly one of fixedRate and fixedAmount, got %d", feeBranches(*fee))
	}
	if cycle != nil && cycleBranches(cycle.Method) != 1 {
		return invalid("settlementCycle.method", "exactly one of daily, weekly, monthly and manualDates, got %d", cycleBranches(cycle.Method))
	}
	return nil
}

// validateMethod checks the at-most-one branch of a payment method input.
func validateMethod(field string, m *PaymentMethodInput) error {
	if m == nil {
		return nil
	}
	n := 0
	for _, set := range []bool{m.Card != nil, m.Transfer != nil, m.VirtualAccount != nil, m.GiftCertificate != nil, m.Mobile != nil, m.EasyPay != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return invalid(field, "exactly one of card, transfer, virtualAccount, giftCertificate, mobile and easyPay, got %d", n)
	}
	return nil
}

// ValidateOrderBody checks a CreatePlatformOrderTransferBody before it is
// sent: id, partnerId and paymentId present, exactly one of
// orderDetail.orderAmount and orderDetail.orderLines, one branch of the
// external payment method. Errors are *settlement.Error INVALID_REQUEST
// naming the field.
func ValidateOrderBody(b *CreateOrderTransferBody) error {
	switch {
	case b.ID == "":
		return invalid("id", "required: the client chooses every transfer id")
	case b.PartnerID == "":
		return invalid("partnerId", "required")
	case b.PaymentID == "":
		return invalid("paymentId", "required")
	}
	od := b.OrderDetail
	switch {
	case od.OrderAmount != nil && len(od.OrderLines) > 0:
		return invalid("orderDetail", "exactly one of orderAmount and orderLines, got both")
	case od.OrderAmount == nil && len(od.OrderLines) == 0:
		return invalid("orderDetail", "exactly one of orderAmount and orderLines, got neither")
	}
	for i, l := range od.OrderLines {
		if l.Product.ID == "" {
			return invalid(fmt.Sprintf("orderDetail.orderLines[%d].product.id", i), "required")
		}
	}
	if e := b.ExternalPaymentDetail; e != nil {
		if e.Currency == "" {
			return invalid("externalPaymentDetail.currency", "required")
		}
		if err := validateMethod("externalPaymentDetail.method", e.Method); err != nil {
			return err
		}
	}
	return nil
}

// ValidateCancelBody checks a CreatePlatformOrderCancelTransferBody before
// it is sent: id and cancellationId present, the original transfer named
// (transferId, or partnerId and paymentId), exactly one of
// orderDetail.orderAmount, orderLines and all.
func ValidateCancelBody(b *CreateOrderCancelTransferBody) error {
	switch {
	case b.ID == "":
		return invalid("id", "required: the client chooses every transfer id")
	case b.CancellationID == "":
		return invalid("cancellationId", "required")
	case b.TransferID == "" && (b.PartnerID == "" || b.PaymentID == ""):
		return invalid("transferId", "required unless partnerId and paymentId are both given")
	case b.OrderDetail == nil:
		return invalid("orderDetail", "required: one of orderAmount, orderLines and all")
	}
	n := 0
	for _, set := range []bool{b.OrderDetail.OrderAmount != nil, len(b.OrderDetail.OrderLines) > 0, b.OrderDetail.All != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return invalid("orderDetail", "exactly one of orderAmount, orderLines and all, got %d", n)
	}
	return nil
}

// ValidateManualBody checks a CreatePlatformManualTransferBody before it is sent.
func ValidateManualBody(b *CreateManualTransferBody) error {
	switch {
	case b.ID == "":
		return invalid("id", "required: the client chooses every transfer id")
	case b.PartnerID == "":
		return invalid("partnerId", "required")
	case b.SettlementDate == "":
		return invalid("settlementDate", "required")
	}
	return nil
}

func (k *TransferKeyword) count() int {
	n := 0
	for _, s := range []string{k.All, k.PaymentID, k.TransferID, k.TransferMemo, k.ProductID, k.ProductName, k.PartnerID, k.PartnerName, k.PartnerMemo, k.PartnerSettlementID, k.PayoutID} {
		if s != "" {
			n++
		}
	}
	return n
}

// Validate checks the filter's one-of rules.
func (f *TransferFilter) Validate() error {
	if f == nil {
		return nil
	}
	if f.SettlementStartDateRange != nil && f.SettlementDateRange != nil {
		return invalid("filter", "at most one of settlementStartDateRange and settlementDateRange")
	}
	if f.Keyword != nil {
		if n := f.Keyword.count(); n != 1 {
			return invalid("filter.keyword", "exactly one keyword, got %d", n)
		}
	}
	return nil
}

// branches counts the set branches.
func (t PartnerTypeInput) branches() int {
	return countSet(t.Business != nil, t.WhtPayer != nil, t.NonWhtPayer != nil)
}

package intake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/transfer"
)

// PreviewInput is `settle preview`'s input (DESIGN.md §5): PortOne's own
// request shapes for the contract, the policies, the order and its cancels.
type PreviewInput struct {
	Contract              transfer.CreateContractBody              `json:"contract"`
	DiscountSharePolicies []transfer.CreateDiscountSharePolicyBody `json:"discountSharePolicies"`
	AdditionalFeePolicies []transfer.CreateAdditionalFeePolicyBody `json:"additionalFeePolicies"`
	Rounding              *struct {
		Fee string `json:"fee"`
		VAT string `json:"vat"`
	} `json:"rounding,omitempty"`
	Holidays []string          `json:"holidays,omitempty"`
	Order    json.RawMessage   `json:"order"`
	Cancels  []json.RawMessage `json:"cancels,omitempty"`
}

// PreviewTransfer is one transfer of the preview's output, in PortOne's
// response shape (a subset of PlatformOrderTransfer / PlatformOrderCancelTransfer).
type PreviewTransfer struct {
	Type                string                           `json:"type"`
	SettlementStartDate string                           `json:"settlementStartDate"`
	SettlementDate      string                           `json:"settlementDate"`
	Amount              transfer.SettlementAmount        `json:"amount"`
	OrderLines          []transfer.TransferOrderLine     `json:"orderLines"`
	Discounts           []transfer.TransferDiscount      `json:"discounts"`
	AdditionalFees      []transfer.TransferAdditionalFee `json:"additionalFees"`
	Cancellation        *transfer.Cancellation           `json:"cancellation,omitempty"`
}

// PreviewOutput is `settle preview`'s output.
type PreviewOutput struct {
	Transfer        PreviewTransfer   `json:"transfer"`
	CancelTransfers []PreviewTransfer `json:"cancelTransfers"`
}

// recordTimes are the fields our record shape adds to PortOne's bodies.
type recordTimes struct {
	PaidAt      string `json:"paidAt"`
	CancelledAt string `json:"cancelledAt"`
}

// PreviewError is a rejected preview input: PortOne's error (type, field,
// message) with the part of the input it concerns as a field prefix.
type PreviewError struct {
	Err *settlement.Error
}

func (e *PreviewError) Error() string { return e.Err.Error() }
func (e *PreviewError) Unwrap() error { return e.Err }

func prefixed(prefix string, err error) error {
	if se, ok := settlement.AsError(err); ok {
		c := *se
		if c.Field != "" {
			c.Field = prefix + "." + c.Field
		} else {
			c.Field = prefix
		}
		return &PreviewError{Err: &c}
	}
	return &PreviewError{Err: &settlement.Error{Type: settlement.ErrInvalidRequest, Field: prefix, Message: err.Error()}}
}

// DecodeStrict decodes one JSON value and refuses trailing data.
func decodeOne(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// Preview computes, without any I/O, what PortOne would answer for the
// order and cancels in data, in business time zone loc. Bad input is a
// *PreviewError carrying PortOne's error type and the field at fault.
func Preview(data []byte, loc *time.Location) (*PreviewOutput, error) {
	var in PreviewInput
	if err := decodeOne(data, &in); err != nil {
		return nil, &PreviewError{Err: &settlement.Error{Type: settlement.ErrInvalidRequest, Message: "input: " + err.Error()}}
	}
	terms, pols, err := previewTerms(&in)
	if err != nil {
		return nil, err
	}
	if len(in.Order) == 0 {
		return nil, prefixed("order", errors.New("required"))
	}
	var body transfer.CreateOrderTransferBody
	var times recordTimes
	if err := decodeOne(in.Order, &body); err != nil {
		return nil, prefixed("order", err)
	}
	_ = json.Unmarshal(in.Order, &times)
	paidAt, err := previewInstant(times.PaidAt)
	if err != nil {
		return nil, prefixed("order.paidAt", err)
	}
	order, err := body.Order(paidAt, loc)
	if err != nil {
		return nil, prefixed("order", err)
	}
	book, err := settlement.NewBook(order, terms)
	if err != nil {
		return nil, prefixed("order", err)
	}
	out := &PreviewOutput{Transfer: previewTransfer(book.Order(), pols), CancelTransfers: []PreviewTransfer{}}
	for i, raw := range in.Cancels {
		at := fmt.Sprintf("cancels[%d]", i)
		var cb transfer.CreateOrderCancelTransferBody
		var ct recordTimes
		if err := decodeOne(raw, &cb); err != nil {
			return nil, prefixed(at, err)
		}
		_ = json.Unmarshal(raw, &ct)
		cancelledAt, err := previewInstant(ct.CancelledAt)
		if err != nil {
			return nil, prefixed(at+".cancelledAt", err)
		}
		c, err := cb.Cancellation(cancelledAt, loc)
		if err != nil {
			return nil, prefixed(at, err)
		}
		t, err := book.Cancel(c)
		if err != nil {
			return nil, prefixed(at, err)
		}
		pt := previewTransfer(t, pols)
		pt.Cancellation = &transfer.Cancellation{ID: string(c.CancellationID), CancelledAt: ct.CancelledAt}
		out.CancelTransfers = append(out.CancelTransfers, pt)
	}
	return out, nil
}

func previewInstant(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("want RFC 3339, got %q", s)
	}
	return t, nil
}

func previewTerms(in *PreviewInput) (settlement.Terms, transfer.Policies, error) {
	t := settlement.Terms{
		DiscountSharePolicies: map[string]settlement.DiscountSharePolicy{},
		AdditionalFeePolicies: map[string]settlement.AdditionalFeePolicy{},
		Rounding:              settlement.DefaultRounding,
	}
	pols := transfer.Policies{Discount: map[string]transfer.DiscountSharePolicy{}, Fee: map[string]transfer.AdditionalFeePolicy{}}
	c, err := transfer.ContractFromInput(in.Contract)
	if err != nil {
		return t, pols, prefixed("contract", err)
	}
	t.Contract = c
	for i, p := range in.DiscountSharePolicies {
		d, err := transfer.DiscountSharePolicyFromInput(p)
		if err == nil && p.ID == "" {
			err = &settlement.Error{Type: settlement.ErrInvalidRequest, Field: "id", Message: "required in preview input"}
		}
		if err != nil {
			return t, pols, prefixed(fmt.Sprintf("discountSharePolicies[%d]", i), err)
		}
		t.DiscountSharePolicies[d.ID] = d
		pols.Discount[d.ID] = transfer.DiscountSharePolicy{ID: p.ID, Name: p.Name, PartnerShareRate: p.PartnerShareRate, Memo: p.Memo, AppliedAt: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	}
	for i, p := range in.AdditionalFeePolicies {
		f, err := transfer.AdditionalFeePolicyFromInput(p)
		if err == nil && p.ID == "" {
			err = &settlement.Error{Type: settlement.ErrInvalidRequest, Field: "id", Message: "required in preview input"}
		}
		if err != nil {
			return t, pols, prefixed(fmt.Sprintf("additionalFeePolicies[%d]", i), err)
		}
		t.AdditionalFeePolicies[f.ID] = f
		pols.Fee[f.ID] = transfer.AdditionalFeePolicy{ID: p.ID, Name: p.Name, Fee: transfer.FeeToWire(f.Fee), Memo: p.Memo, VatPayer: p.VatPayer, AppliedAt: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	}
	if r := in.Rounding; r != nil {
		fee, err := settlement.ParseRoundMode(r.Fee)
		if err != nil {
			return t, pols, prefixed("rounding.fee", err)
		}
		vat, err := settlement.ParseRoundMode(r.VAT)
		if err != nil {
			return t, pols, prefixed("rounding.vat", err)
		}
		t.Rounding = settlement.Rounding{Fee: fee, VAT: vat}
	}
	cal := settlement.KoreanCalendar()
	var extra []settlement.Holiday
	for i, h := range in.Holidays {
		d, err := settlement.ParseDate(h)
		if err != nil {
			return t, pols, prefixed(fmt.Sprintf("holidays[%d]", i), err)
		}
		extra = append(extra, settlement.Holiday{Date: d, Name: "extra"})
	}
	t.Calendar = cal.WithHolidays(extra...)
	return t, pols, nil
}

func previewTransfer(t settlement.Transfer, pols transfer.Policies) PreviewTransfer {
	w := transfer.TransferToWire(t, pols)
	return PreviewTransfer{
		Type: w.Type, SettlementStartDate: w.SettlementStartDate, SettlementDate: w.SettlementDate,
		Amount: *w.Amount, OrderLines: w.OrderLines, Discounts: w.Discounts, AdditionalFees: w.AdditionalFees,
	}
}

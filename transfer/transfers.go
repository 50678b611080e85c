package transfer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"sort"
	"strings"

	"github.com/settle-dev/settle/settlement"
)

// CreateResult is the outcome of a create: the transfer PortOne holds, and
// whether it already existed (a previous attempt or run created it, and this
// call adopted it rather than creating another).
type CreateResult struct {
	Transfer Transfer
	Adopted  bool
}

// ConflictError reports that the id we posted (or the payment and partner we
// posted for) already belongs to a transfer that differs from what we meant
// to create: reusing an id with another payload is a bug upstream, never
// something to paper over. Existing is that transfer.
type ConflictError struct {
	ID       string
	Fields   []string
	Existing Transfer
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("transfer %s already exists and differs in %s", e.ID, strings.Join(e.Fields, ", "))
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

// CreateOrderTransfer posts an ORDER transfer. b.ID is required: the same
// body and id go out on every attempt. If PortOne answers 409
// PLATFORM_TRANSFER_ID_ALREADY_USED or PLATFORM_TRANSFER_ALREADY_EXISTS, the
// existing transfer is fetched and returned with Adopted set; if it differs
// from b (see Differs) the result is returned together with a *ConflictError.
// Other errors: *settlement.Error INVALID_REQUEST for a body that cannot be
// sent; *APIError for PortOne's answers; the context's error.
func (c *Client) CreateOrderTransfer(ctx context.Context, b CreateOrderTransferBody) (CreateResult, error) {
	if err := ValidateOrderBody(&b); err != nil {
		return CreateResult{}, fmt.Errorf("transfer: create order transfer %s: %w", b.ID, err)
	}
	res, err := c.create(ctx, "/platform/transfers/order", b.ID, b, func(got Transfer) []string { return Differs(&b, got) })
	if err != nil {
		return res, fmt.Errorf("transfer: create order transfer %s: %w", b.ID, err)
	}
	return res, nil
}

// CreateOrderCancelTransfer posts an ORDER_CANCEL transfer, with the same
// idempotency contract as CreateOrderTransfer.
func (c *Client) CreateOrderCancelTransfer(ctx context.Context, b CreateOrderCancelTransferBody) (CreateResult, error) {
	if err := ValidateCancelBody(&b); err != nil {
		return CreateResult{}, fmt.Errorf("transfer: create order cancel transfer %s: %w", b.ID, err)
	}
	res, err := c.create(ctx, "/platform/transfers/order-cancel", b.ID, b, func(got Transfer) []string { return Differs(&b, got) })
	if err != nil {
		return res, fmt.Errorf("transfer: create order cancel transfer %s: %w", b.ID, err)
	}
	return res, nil
}

// CreateManualTransfer posts a MANUAL transfer, with the same idempotency
// contract as CreateOrderTransfer.
func (c *Client) CreateManualTransfer(ctx context.Context, b CreateManualTransferBody) (CreateResult, error) {
	if err := ValidateManualBody(&b); err != nil {
		return CreateResult{}, fmt.Errorf("transfer: create manual transfer %s: %w", b.ID, err)
	}
	res, err := c.create(ctx, "/platform/transfers/manual", b.ID, b, func(got Transfer) []string { return Differs(&b, got) })
	if err != nil {
		return res, fmt.Errorf("transfer: create manual transfer %s: %w", b.ID, err)
	}
	return res, nil
}

// create posts body and adopts the existing transfer on the two duplicate
// answers.
func (c *Client) create(ctx context.Context, path, id string, body any, differs func(Transfer) []string) (CreateResult, error) {
	var out struct {
		Transfer Transfer `json:"transfer"`
	}
	err := c.post(ctx, path, body, &out)
	if err == nil {
		return CreateResult{Transfer: out.Transfer}, nil
	}
	existing := ""
	var dup *TransferAlreadyExists
	switch {
	case errors.As(err, &dup) && dup.TransferID != "":
		existing = dup.TransferID
	case errors.Is(err, settlement.ErrTransferIDAlreadyUsed), errors.Is(err, settlement.ErrTransferAlreadyExists):
		existing = id
	default:
		return CreateResult{}, err
	}
	got, gerr := c.getTransfer(ctx, existing)
	if gerr != nil {
		return CreateResult{}, fmt.Errorf("adopt existing transfer %s: %w (after %v)", existing, gerr, err)
	}
	res := CreateResult{Transfer: got, Adopted: true}
	if fields := differs(got); len(fields) > 0 {
		return res, &ConflictError{ID: existing, Fields: fields, Existing: got}
	}
	return res, nil
}

// GetTransfer fetches a transfer of any type. Errors: *APIError
// PLATFORM_TRANSFER_NOT_FOUND.
func (c *Client) GetTransfer(ctx context.Context, id string) (Transfer, error) {
	t, err := c.getTransfer(ctx, id)
	if err != nil {
		return Transfer{}, fmt.Errorf("transfer: get transfer %s: %w", id, err)
	}
	return t, nil
}

func (c *Client) getTransfer(ctx context.Context, id string) (Transfer, error) {
	var t Transfer
	err := c.do(ctx, call{method: http.MethodGet, path: "/platform/transfers/" + pathID(id)}, &t)
	return t, err
}

// DeleteTransfer deletes a transfer (SCHEDULED, IN_PROCESS or SETTLED).
// Errors: *APIError PLATFORM_TRANSFER_NOT_FOUND,
// PLATFORM_TRANSFER_NON_DELETABLE_STATUS, PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS.
// A retried delete whose first attempt went through answers
// PLATFORM_TRANSFER_NOT_FOUND; callers that retry deletes across runs treat
// that as done.
func (c *Client) DeleteTransfer(ctx context.Context, id string) error {
	if err := c.do(ctx, call{method: http.MethodDelete, path: "/platform/transfers/" + pathID(id)}, nil); err != nil {
		return fmt.Errorf("transfer: delete transfer %s: %w", id, err)
	}
	return nil
}

// DateRange is PortOne's DateRange: yyyy-MM-dd dates, both required.
type DateRange struct {
	From  string `json:"from"`
	Until string `json:"until"`
}

// TransferKeyword is PortOne's PlatformTransferFilterInputKeyword: set exactly one.
type TransferKeyword struct {
	All                 string `json:"all,omitempty"`
	PaymentID           string `json:"paymentId,omitempty"`
	TransferID          string `json:"transferId,omitempty"`
	TransferMemo        string `json:"transferMemo,omitempty"`
	ProductID           string `json:"productId,omitempty"`
	ProductName         string `json:"productName,omitempty"`
	PartnerID           string `json:"partnerId,omitempty"`
	PartnerName         string `json:"partnerName,omitempty"`
	PartnerMemo         string `json:"partnerMemo,omitempty"`
	PartnerSettlementID string `json:"partnerSettlementId,omitempty"`
	PayoutID            string `json:"payoutId,omitempty"`
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

// PropertyMatch is PortOne's PlatformTransferPropertyExactMatchInput.
type PropertyMatch struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TransferFilter is PortOne's PlatformTransferFilterInput (§3.5): at most
// one of the two date ranges; Keyword, when set, with exactly one field.
type TransferFilter struct {
	SettlementStartDateRange *DateRange       `json:"settlementStartDateRange,omitempty"`
	SettlementDateRange      *DateRange       `json:"settlementDateRange,omitempty"`
	PartnerTags              []string         `json:"partnerTags,omitempty"`
	ContractIDs              []string         `json:"contractIds,omitempty"`
	DiscountSharePolicyIDs   []string         `json:"discountSharePolicyIds,omitempty"`
	AdditionalFeePolicyIDs   []string         `json:"additionalFeePolicyIds,omitempty"`
	PaymentMethodTypes       []string         `json:"paymentMethodTypes,omitempty"`
	ChannelKeys              []string         `json:"channelKeys,omitempty"`
	Types                    []string         `json:"types,omitempty"`
	Statuses                 []string         `json:"statuses,omitempty"`
	UserDefinedProperty      *PropertyMatch   `json:"userDefinedProperty,omitempty"`
	Keyword                  *TransferKeyword `json:"keyword,omitempty"`
	IsForTest                *bool            `json:"isForTest,omitempty"`
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

// TransferSummaryPartner is PortOne's PlatformTransferSummaryPartner.
type TransferSummaryPartner struct {
	ID                    string                `json:"id"`
	GraphqlID             string                `json:"graphqlId"`
	Name                  string                `json:"name"`
	Type                  string                `json:"type"`
	TaxationType          string                `json:"taxationType,omitempty"`
	UserDefinedProperties []UserDefinedProperty `json:"userDefinedProperties"`
}

// TransferSummaryPayment is PortOne's PlatformTransferSummaryPayment
// (PORT_ONE or EXTERNAL by Type).
type TransferSummaryPayment struct {
	Type       string   `json:"type"`
	ID         string   `json:"id"`
	OrderName  string   `json:"orderName,omitempty"`
	Currency   Currency `json:"currency"`
	MethodType string   `json:"methodType,omitempty"`
}

// TransferSummary is PortOne's PlatformTransferSummary, the union of its
// ORDER, ORDER_CANCEL and MANUAL branches by Type. Unknown fields are kept
// in Extra; Status and Type keep values added later as sent.
type TransferSummary struct {
	Type                         string                  `json:"type"`
	ID                           string                  `json:"id"`
	GraphqlID                    string                  `json:"graphqlId"`
	StoreID                      string                  `json:"storeId,omitempty"`
	Partner                      TransferSummaryPartner  `json:"partner"`
	Contract                     *Contract               `json:"contract,omitempty"`
	Status                       string                  `json:"status"`
	Memo                         string                  `json:"memo,omitempty"`
	SettlementDate               string                  `json:"settlementDate"`
	SettlementCurrency           Currency                `json:"settlementCurrency"`
	IsForTest                    bool                    `json:"isForTest"`
	PartnerUserDefinedProperties []UserDefinedProperty   `json:"partnerUserDefinedProperties"`
	UserDefinedProperties        []UserDefinedProperty   `json:"userDefinedProperties"`
	Amount                       *SettlementAmount       `json:"amount,omitempty"`
	Payment                      *TransferSummaryPayment `json:"payment,omitempty"`
	SettlementStartDate          string                  `json:"settlementStartDate,omitempty"`
	SettlementAmount             *int64                  `json:"settlementAmount,omitempty"`
	SettlementTaxFreeAmount      *int64                  `json:"settlementTaxFreeAmount,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// ListTransferSummaries fetches one page of transfer summaries
// (GET /platform/transfer-summaries).
func (c *Client) ListTransferSummaries(ctx context.Context, p PageInput, f *TransferFilter) ([]TransferSummary, PageInfo, error) {
	if err := f.Validate(); err != nil {
		return nil, PageInfo{}, fmt.Errorf("transfer: list transfer summaries: %w", err)
	}
	var out struct {
		TransferSummaries []TransferSummary `json:"transferSummaries"`
		Page              PageInfo          `json:"page"`
	}
	if err := c.list(ctx, "/platform/transfer-summaries", listBody{Page: &p, Filter: filterOrNil(f)}, &out); err != nil {
		return nil, PageInfo{}, fmt.Errorf("transfer: list transfer summaries: %w", err)
	}
	return out.TransferSummaries, out.Page, nil
}

// Transfers iterates over every transfer summary matching f (nil for all):
//
//	for t, err := range c.Transfers(ctx, f) { ... }
func (c *Client) Transfers(ctx context.Context, f *TransferFilter) iter.Seq2[TransferSummary, error] {
	return paginate(ctx, f, c.ListTransferSummaries)
}

// ---- Differs ----

// Differs lists the fields in which got, a transfer PortOne holds, differs
// from body, the create body we meant to post (*CreateOrderTransferBody,
// *CreateOrderCancelTransferBody or *CreateManualTransferBody, or the same
// by value). It compares the type, partner, payment, cancellation, contract
// and dates where the body sets them, the order amount or lines (product,
// unit amount, quantity, per-line discounts and fees) and the order-level
// discounts and fees. Amounts PortOne computes are not compared. Cancel
// amounts are compared by magnitude (their sign in PortOne's JSON is
// unconfirmed). The names are JSON paths of the body.
func Differs(body any, got Transfer) []string {
	var d differ
	switch b := body.(type) {
	case CreateOrderTransferBody:
		d.order(&b, got)
	case *CreateOrderTransferBody:
		d.order(b, got)
	case CreateOrderCancelTransferBody:
		d.cancel(&b, got)
	case *CreateOrderCancelTransferBody:
		d.cancel(b, got)
	case CreateManualTransferBody:
		d.manual(&b, got)
	case *CreateManualTransferBody:
		d.manual(b, got)
	default:
		return []string{fmt.Sprintf("body of type %T", body)}
	}
	return d.fields
}

type differ struct{ fields []string }

func (d *differ) check(ok bool, field string) {
	if !ok {
		d.fields = append(d.fields, field)
	}
}

func partnerIDOf(t Transfer) string {
	var p struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(t.Partner, &p)
	return p.ID
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// discountKey renders discounts as a sorted multiset of policy:amount.
func inputDiscountKey(ds []DiscountInput) string {
	ks := make([]string, 0, len(ds))
	for _, x := range ds {
		ks = append(ks, fmt.Sprintf("%s:%d", x.SharePolicyID, abs(x.Amount)))
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func gotDiscountKey(ds []TransferDiscount) string {
	ks := make([]string, 0, len(ds))
	for _, x := range ds {
		ks = append(ks, fmt.Sprintf("%s:%d", x.SharePolicy.ID, abs(x.Amount)))
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func inputFeeKey(fs []AdditionalFeeInput) string {
	ks := make([]string, 0, len(fs))
	for _, x := range fs {
		ks = append(ks, x.PolicyID)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func gotFeeKey(fs []TransferAdditionalFee) string {
	ks := make([]string, 0, len(fs))
	for _, x := range fs {
		ks = append(ks, x.Policy.ID)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func (d *differ) order(b *CreateOrderTransferBody, got Transfer) {
	d.check(got.Type == "ORDER", "type")
	d.check(partnerIDOf(got) == b.PartnerID, "partnerId")
	d.check(got.Payment != nil && got.Payment.ID == b.PaymentID, "paymentId")
	if b.ContractID != "" {
		d.check(got.Contract != nil && got.Contract.ID == b.ContractID, "contractId")
	}
	if b.SettlementStartDate != "" {
		d.check(got.SettlementStartDate == b.SettlementStartDate, "settlementStartDate")
	}
	if b.SettlementDate != "" {
		d.check(got.SettlementDate == b.SettlementDate, "settlementDate")
	}
	if b.TaxFreeAmount != nil {
		d.check(got.Amount != nil && got.Amount.OrderTaxFree == *b.TaxFreeAmount, "taxFreeAmount")
	}
	if a := b.OrderDetail.OrderAmount; a != nil {
		d.check(got.Amount != nil && got.Amount.Order == *a, "orderDetail.orderAmount")
		d.check(len(got.OrderLines) == 0, "orderDetail.orderLines")
	} else {
		d.lines(b.OrderDetail.OrderLines, got.OrderLines)
	}
	d.check(inputDiscountKey(b.Discounts) == gotDiscountKey(got.Discounts), "discounts")
	d.check(inputFeeKey(b.AdditionalFees) == gotFeeKey(got.AdditionalFees), "additionalFees")
}

func (d *differ) lines(want []OrderLineInput, got []TransferOrderLine) {
	if len(want) != len(got) {
		d.fields = append(d.fields, "orderDetail.orderLines")
		return
	}
	byID := make(map[string]TransferOrderLine, len(got))
	for _, l := range got {
		byID[l.Product.ID] = l
	}
	for i, w := range want {
		f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
		g, ok := byID[w.Product.ID]
		if !ok {
			d.fields = append(d.fields, f+".product.id")
			continue
		}
		d.check(g.Product.Amount == w.Product.Amount, f+".product.amount")
		d.check(g.Quantity == w.Quantity, f+".quantity")
		if w.Product.TaxFreeAmount != nil {
			d.check(g.Product.TaxFreeAmount == *w.Product.TaxFreeAmount, f+".product.taxFreeAmount")
		}
		d.check(inputDiscountKey(w.Discounts) == gotDiscountKey(g.Discounts), f+".discounts")
		d.check(inputFeeKey(w.AdditionalFees) == gotFeeKey(g.AdditionalFees), f+".additionalFees")
	}
}

func (d *differ) cancel(b *CreateOrderCancelTransferBody, got Transfer) {
	d.check(got.Type == "ORDER_CANCEL", "type")
	d.check(got.Cancellation != nil && got.Cancellation.ID == b.CancellationID, "cancellationId")
	if b.PartnerID != "" {
		d.check(partnerIDOf(got) == b.PartnerID, "partnerId")
	}
	if b.PaymentID != "" {
		d.check(got.Payment != nil && got.Payment.ID == b.PaymentID, "paymentId")
	}
	if b.SettlementStartDate != "" {
		d.check(got.SettlementStartDate == b.SettlementStartDate, "settlementStartDate")
	}
	if b.SettlementDate != "" {
		d.check(got.SettlementDate == b.SettlementDate, "settlementDate")
	}
	if od := b.OrderDetail; od != nil {
		switch {
		case od.OrderAmount != nil:
			d.check(got.Amount != nil && abs(got.Amount.Order) == abs(*od.OrderAmount), "orderDetail.orderAmount")
		case len(od.OrderLines) > 0:
			if len(od.OrderLines) != len(got.OrderLines) {
				d.fields = append(d.fields, "orderDetail.orderLines")
				break
			}
			byID := make(map[string]TransferOrderLine, len(got.OrderLines))
			for _, l := range got.OrderLines {
				byID[l.Product.ID] = l
			}
			for i, w := range od.OrderLines {
				f := fmt.Sprintf("orderDetail.orderLines[%d]", i)
				g, ok := byID[w.ProductID]
				if !ok {
					d.fields = append(d.fields, f+".productId")
					continue
				}
				d.check(abs(g.Quantity) == abs(w.Quantity), f+".quantity")
			}
		}
	}
	// Discounts are not compared: PortOne decides which discount amounts a
	// cancel takes (a full cancel, or one that takes the last of a line,
	// takes every remaining discount whatever the body named), so the
	// answer's discounts legitimately differ from the request's.
	// Reconciliation compares every amount of the adopted transfer anyway.
}

func (d *differ) manual(b *CreateManualTransferBody, got Transfer) {
	d.check(got.Type == "MANUAL", "type")
	d.check(partnerIDOf(got) == b.PartnerID, "partnerId")
	d.check(got.SettlementAmount != nil && *got.SettlementAmount == b.SettlementAmount, "settlementAmount")
	d.check(got.SettlementDate == b.SettlementDate, "settlementDate")
	if b.SettlementTaxFreeAmount != nil {
		d.check(got.SettlementTaxFreeAmount != nil && *got.SettlementTaxFreeAmount == *b.SettlementTaxFreeAmount, "settlementTaxFreeAmount")
	}
	if b.SettlementCurrency != "" {
		d.check(got.SettlementCurrency == b.SettlementCurrency, "settlementCurrency")
	}
}

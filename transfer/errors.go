package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// PortOne's error answers: *APIError and its typed details, decoded from
// any non-2xx answer, and encoded back (MarshalJSON, NewAPIError) as the wire
// form the emulator and the HTTP API answer with.

// APIError is a non-2xx answer from PortOne. Type is the body's `type` (kept
// as sent, even when this package does not know it); Detail holds the typed
// extra fields for the types that have them (one of the detail types below),
// so errors.As finds them:
//
//	var dup *transfer.TransferAlreadyExists
//	if errors.As(err, &dup) { ... dup.TransferID ... }
//
// errors.Is(err, settlement.ErrTransferAlreadyExists) matches on Type.
type APIError struct {
	StatusCode int
	Type       settlement.ErrorType
	Message    string
	// Body is the raw response body with the API secret, should it ever
	// appear, replaced by [REDACTED].
	Body []byte
	// Detail is the typed extra fields of Type, or nil.
	Detail error
	// RetryAfter is the server's Retry-After, zero when absent.
	RetryAfter time.Duration
}

// Error reports the status, the type and the message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "PortOne answered %d", e.StatusCode)
	if e.Type != "" {
		b.WriteString(" ")
		b.WriteString(string(e.Type))
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is matches an settlement.ErrorType (transfer's or settlement's: they are one type)
// equal to e.Type.
func (e *APIError) Is(target error) bool {
	t, ok := target.(settlement.ErrorType)
	return ok && t == e.Type
}

// Unwrap returns the typed detail, if any.
func (e *APIError) Unwrap() error { return e.Detail }

// Retryable reports whether the same request may be sent again: 429, 5xx
// other than 501, and 409 IDEMPOTENCY_OUTSTANDING_REQUEST.
func (e *APIError) Retryable() bool {
	ok, _ := retryableStatus(e.StatusCode, e.Type)
	return ok
}

// TransferAlreadyExists is the detail of PLATFORM_TRANSFER_ALREADY_EXISTS:
// the transfer that already settles this (payment, partner).
type TransferAlreadyExists struct {
	TransferID        string `json:"transferId"`
	TransferGraphqlID string `json:"transferGraphqlId"`
}

func (d *TransferAlreadyExists) Error() string {
	return "transfer already exists: " + d.TransferID
}

// SettlementAmountExceeded is the detail of PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED.
// The schema declares the sub-type on the property `type` itself, colliding
// with the discriminator; the decoder accepts the sub-type there (and then
// reports Type PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED) or in amountExceededType,
// which is where MarshalJSON puts it.
type SettlementAmountExceeded struct {
	ProductID       string                        `json:"productId,omitempty"`
	RequestedAmount int64                         `json:"requestedAmount"`
	AllowedAmount   int64                         `json:"allowedAmount"`
	ExceededType    settlement.AmountExceededType `json:"amountExceededType,omitempty"`
}

func (d *SettlementAmountExceeded) Error() string {
	return fmt.Sprintf("settlement amount exceeded (%s): requested %d, allowed %d", d.ExceededType, d.RequestedAmount, d.AllowedAmount)
}

// CancellableAmountExceeded is the detail of PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED.
type CancellableAmountExceeded struct {
	CancellableAmount int64  `json:"cancellableAmount"`
	RequestAmount     int64  `json:"requestAmount"`
	AmountType        string `json:"amountType"` // SUPPLY_WITH_VAT or TAX_FREE
}

func (d *CancellableAmountExceeded) Error() string {
	return fmt.Sprintf("cancellable %s amount exceeded: requested %d, cancellable %d", d.AmountType, d.RequestAmount, d.CancellableAmount)
}

// CancellableDiscountExceeded is the detail of
// PLATFORM_CANCELLABLE_DISCOUNT_AMOUNT_EXCEEDED and
// PLATFORM_CANCELLABLE_DISCOUNT_TAX_FREE_AMOUNT_EXCEEDED (the APIError's Type
// tells them apart).
type CancellableDiscountExceeded struct {
	DiscountSharePolicyID        string `json:"discountSharePolicyId"`
	DiscountSharePolicyGraphqlID string `json:"discountSharePolicyGraphqlId"`
	CancellableAmount            int64  `json:"cancellableAmount"`
	RequestAmount                int64  `json:"requestAmount"`
	ProductID                    string `json:"productId,omitempty"`
}

func (d *CancellableDiscountExceeded) Error() string {
	return fmt.Sprintf("cancellable discount of policy %s exceeded: requested %d, cancellable %d", d.DiscountSharePolicyID, d.RequestAmount, d.CancellableAmount)
}

// CancellableProductQuantityExceeded is the detail of
// PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED.
type CancellableProductQuantityExceeded struct {
	ProductID           string `json:"productId"`
	CancellableQuantity int64  `json:"cancellableQuantity"`
}

func (d *CancellableProductQuantityExceeded) Error() string {
	return fmt.Sprintf("product %s: cancellable quantity %d exceeded", d.ProductID, d.CancellableQuantity)
}

// ProductIDError is the detail of PLATFORM_PRODUCT_ID_DUPLICATED and
// PLATFORM_PRODUCT_ID_NOT_FOUND.
type ProductIDError struct {
	ID string `json:"id"`
}

func (d *ProductIDError) Error() string { return "product " + d.ID }

// PolicyIDDuplicated is the detail of PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED.
type PolicyIDDuplicated struct {
	ID        string `json:"id"`
	GraphqlID string `json:"graphqlId"`
}

func (d *PolicyIDDuplicated) Error() string { return "policy id duplicated: " + d.ID }

// FeeCurrencyMismatched is the detail of
// PLATFORM_CONTRACT_PLATFORM_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED
// and PLATFORM_ADDITIONAL_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED.
type FeeCurrencyMismatched struct {
	ID                 string   `json:"id"`
	GraphqlID          string   `json:"graphqlId"`
	FeeCurrency        Currency `json:"feeCurrency"`
	SettlementCurrency Currency `json:"settlementCurrency"`
}

func (d *FeeCurrencyMismatched) Error() string {
	return fmt.Sprintf("%s: fee currency %s, settlement currency %s", d.ID, d.FeeCurrency, d.SettlementCurrency)
}

// SettlementDateEarlier is the detail of
// PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE.
type SettlementDateEarlier struct {
	SettlementStartDate string `json:"settlementStartDate"`
	SettlementDate      string `json:"settlementDate"`
}

func (d *SettlementDateEarlier) Error() string {
	return fmt.Sprintf("settlement date %s before start date %s", d.SettlementDate, d.SettlementStartDate)
}

// TransferDiscountSharePolicyNotFound is the detail of
// PLATFORM_TRANSFER_DISCOUNT_SHARE_POLICY_NOT_FOUND.
type TransferDiscountSharePolicyNotFound struct {
	DiscountSharePolicyID        string `json:"discountSharePolicyId"`
	DiscountSharePolicyGraphqlID string `json:"discountSharePolicyGraphqlId"`
	ProductID                    string `json:"productId,omitempty"`
}

func (d *TransferDiscountSharePolicyNotFound) Error() string {
	return "discount share policy not in the original transfer: " + d.DiscountSharePolicyID
}

// IDsError is the detail of the errors that name several objects: the
// *_POLICIES_NOT_FOUND, CONTRACTS_NOT_FOUND, PARTNER_IDS_*, partner-settlement
// and schedule errors carrying `ids` (and `graphqlIds`).
type IDsError struct {
	IDs        []string `json:"ids"`
	GraphqlIDs []string `json:"graphqlIds"`
}

func (d *IDsError) Error() string { return "ids " + strings.Join(d.IDs, ", ") }

// PortOneAmountExceeded is the detail of the errors where the transfers
// registered for a PortOne payment (or cancellation) plus this request exceed
// it: PLATFORM_SETTLEMENT_{PAYMENT,TAX_FREE,SUPPLY_WITH_VAT}_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT
// and PLATFORM_SETTLEMENT_CANCEL_AMOUNT_EXCEEDED_PORT_ONE_CANCEL. The wire
// names differ per type; this struct carries the three figures under one
// name each.
type PortOneAmountExceeded struct {
	Registered int64
	Requested  int64
	PortOne    int64
	AmountType string // cancel only: SUPPLY_WITH_VAT or TAX_FREE
}

func (d *PortOneAmountExceeded) Error() string {
	return fmt.Sprintf("registered %d + requested %d exceed portone's %d", d.Registered, d.Requested, d.PortOne)
}

// portOneAmountNames are the wire names of PortOneAmountExceeded's figures
// for each type: registered, requested, portOne.
func portOneAmountNames(t settlement.ErrorType) (reg, req, po string, ok bool) {
	switch t {
	case settlement.ErrSettlementPaymentAmountExceededPortOnePayment:
		return "registeredSettlementPaymentAmount", "requestSettlementPaymentAmount", "portOnePaymentAmount", true
	case settlement.ErrSettlementTaxFreeAmountExceededPortOnePayment:
		return "registeredSettlementTaxFreeAmount", "requestSettlementTaxFreeAmount", "portOneTaxFreeAmount", true
	case settlement.ErrSettlementSupplyWithVatAmountExceededPortOnePayment:
		return "registeredSettlementSupplyWithVatAmount", "requestSettlementSupplyWithVatAmount", "portOneSupplyWithVatAmount", true
	case settlement.ErrSettlementCancelAmountExceededPortOneCancel:
		return "registeredSettlementCancelAmount", "requestSettlementCancelAmount", "portOneCancelAmount", true
	}
	return "", "", "", false
}

// detailFor returns a fresh detail value for t, or nil when t has no extra
// fields this package types.
func detailFor(t settlement.ErrorType) error {
	switch t {
	case settlement.ErrTransferAlreadyExists:
		return &TransferAlreadyExists{}
	case settlement.ErrSettlementAmountExceeded:
		return &SettlementAmountExceeded{}
	case settlement.ErrCancellableAmountExceeded:
		return &CancellableAmountExceeded{}
	case settlement.ErrCancellableDiscountAmountExceeded, settlement.ErrCancellableDiscountTaxFreeAmountExceeded:
		return &CancellableDiscountExceeded{}
	case settlement.ErrCancellableProductQuantityExceeded:
		return &CancellableProductQuantityExceeded{}
	case settlement.ErrProductIDDuplicated, settlement.ErrProductIDNotFound:
		return &ProductIDError{}
	case settlement.ErrDiscountSharePolicyIDDuplicated:
		return &PolicyIDDuplicated{}
	case settlement.ErrContractPlatformFixedAmountFeeCurrencyAndSettlementCurrencyMismatched,
		settlement.ErrAdditionalFixedAmountFeeCurrencyAndSettlementCurrencyMismatched:
		return &FeeCurrencyMismatched{}
	case settlement.ErrSettlementDateEarlierThanSettlementStartDate:
		return &SettlementDateEarlier{}
	case settlement.ErrTransferDiscountSharePolicyNotFound:
		return &TransferDiscountSharePolicyNotFound{}
	case settlement.ErrAdditionalFeePoliciesNotFound, settlement.ErrDiscountSharePoliciesNotFound, settlement.ErrContractsNotFound,
		settlement.ErrPartnerIDsDuplicated, settlement.ErrPartnerIDsAlreadyExists, settlement.ErrPartnerSettlementsNotFound,
		settlement.ErrNonDeletablePartnerSettlements, settlement.ErrNonPayablePartnerSettlements,
		settlement.ErrReferencedCancelOrderTransfersExist, settlement.ErrPartnerSchedulesAlreadyExist,
		settlement.ErrMemberCompanyConnectedPartnersCannotBeScheduled:
		return &IDsError{}
	}
	if _, _, _, ok := portOneAmountNames(t); ok {
		return &PortOneAmountExceeded{}
	}
	return nil
}

func isAmountExceededType(s string) bool {
	switch settlement.AmountExceededType(s) {
	case settlement.DiscountThanOrder, settlement.DiscountTaxFreeThanDiscount,
		settlement.DiscountTaxFreeThanOrderTaxFree, settlement.PaymentTaxFreeThanPayment:
		return true
	}
	return false
}

// decodeError turns a non-2xx answer into an *APIError. It never fails: a
// body that is not JSON, or of an unknown type, still gives an APIError with
// the status and the raw body. secret, when non-empty, is redacted from Body
// and Message.
func decodeError(status int, header http.Header, body []byte, secret string) *APIError {
	if secret != "" {
		body = bytes.ReplaceAll(body, []byte(secret), []byte("[REDACTED]"))
	}
	e := &APIError{StatusCode: status, Body: body}
	if header != nil {
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200]
		}
		return e
	}
	var typ, msg string
	_ = json.Unmarshal(fields["type"], &typ)
	_ = json.Unmarshal(fields["message"], &msg)
	e.Message = msg
	sub := ""
	if isAmountExceededType(typ) {
		// The schema's collision: the sub-type took the discriminator's place.
		sub, typ = typ, string(settlement.ErrSettlementAmountExceeded)
	}
	e.Type = settlement.ErrorType(typ)
	d := detailFor(e.Type)
	switch d := d.(type) {
	case nil:
	case *PortOneAmountExceeded:
		reg, req, po, _ := portOneAmountNames(e.Type)
		_ = json.Unmarshal(fields[reg], &d.Registered)
		_ = json.Unmarshal(fields[req], &d.Requested)
		_ = json.Unmarshal(fields[po], &d.PortOne)
		_ = json.Unmarshal(fields["amountType"], &d.AmountType)
	default:
		// Lenient: a field of the wrong JSON type leaves its zero value.
		lenientUnmarshal(body, d)
		if s, ok := d.(*SettlementAmountExceeded); ok && sub != "" {
			s.ExceededType = settlement.AmountExceededType(sub)
		}
	}
	e.Detail = d
	return e
}

// lenientUnmarshal decodes body into v field by field when a strict decode
// fails, so one odd field does not lose the others.
func lenientUnmarshal(body []byte, v any) {
	if json.Unmarshal(body, v) == nil {
		return
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return
	}
	for k, raw := range fields {
		one, _ := json.Marshal(map[string]json.RawMessage{k: raw})
		_ = json.Unmarshal(one, v)
	}
}

// MarshalJSON encodes e as PortOne's error body: {type, message, ...the
// detail's fields by PortOne's names}, required arrays as []. It is the
// inverse of how the client decodes an error answer; the emulator and the
// HTTP API answer with it, under e.Type.HTTPStatus().
func (e *APIError) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	switch d := e.Detail.(type) {
	case nil:
	case *PortOneAmountExceeded:
		reg, req, po, _ := portOneAmountNames(e.Type)
		out[reg], out[req], out[po] = d.Registered, d.Requested, d.PortOne
		if e.Type == settlement.ErrSettlementCancelAmountExceededPortOneCancel {
			out["amountType"] = d.AmountType
		}
	case *IDsError:
		out["ids"] = nonNil(d.IDs)
		out["graphqlIds"] = nonNil(d.GraphqlIDs)
		if e.Type == settlement.ErrReferencedCancelOrderTransfersExist {
			delete(out, "graphqlIds") // this one carries ids only
		}
	default:
		b, err := json.Marshal(d)
		if err == nil {
			var m map[string]json.RawMessage
			if json.Unmarshal(b, &m) == nil {
				for k, v := range m {
					out[k] = v
				}
			}
		}
	}
	out["type"] = string(e.Type)
	out["message"] = e.Message
	return json.Marshal(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// NewAPIError maps a rejection by the settlement rules to the *APIError
// PortOne would answer with: same type, its status, and the detail fields
// the type carries. GraphQL ids, which the settlement rules do not know, are
// empty.
func NewAPIError(err *settlement.Error) *APIError {
	msg := err.Message
	if err.Field != "" {
		if msg == "" {
			msg = err.Field
		} else {
			msg = err.Field + ": " + msg
		}
	}
	e := &APIError{StatusCode: err.Type.HTTPStatus(), Type: err.Type, Message: msg}
	switch err.Type {
	case settlement.ErrProductIDDuplicated, settlement.ErrProductIDNotFound:
		e.Detail = &ProductIDError{ID: err.ProductID}
	case settlement.ErrSettlementAmountExceeded:
		e.Detail = &SettlementAmountExceeded{ProductID: err.ProductID, RequestedAmount: int64(err.Requested), AllowedAmount: int64(err.Allowed), ExceededType: err.ExceededType}
	case settlement.ErrSettlementDateEarlierThanSettlementStartDate:
		d := &SettlementDateEarlier{}
		if !err.StartDate.IsZero() {
			d.SettlementStartDate = err.StartDate.String()
		}
		if !err.SettlementDate.IsZero() {
			d.SettlementDate = err.SettlementDate.String()
		}
		e.Detail = d
	case settlement.ErrAdditionalFeePoliciesNotFound, settlement.ErrDiscountSharePoliciesNotFound:
		ids := nonNil(err.PolicyIDs)
		if len(err.PolicyIDs) == 0 && err.PolicyID != "" {
			ids = []string{err.PolicyID}
		}
		e.Detail = &IDsError{IDs: ids, GraphqlIDs: []string{}}
	case settlement.ErrDiscountSharePolicyIDDuplicated:
		e.Detail = &PolicyIDDuplicated{ID: err.PolicyID}
	case settlement.ErrCancellableAmountExceeded:
		e.Detail = &CancellableAmountExceeded{CancellableAmount: int64(err.Allowed), RequestAmount: int64(err.Requested), AmountType: err.AmountType}
	case settlement.ErrCancellableDiscountAmountExceeded, settlement.ErrCancellableDiscountTaxFreeAmountExceeded:
		e.Detail = &CancellableDiscountExceeded{DiscountSharePolicyID: err.PolicyID, CancellableAmount: int64(err.Allowed), RequestAmount: int64(err.Requested), ProductID: err.ProductID}
	case settlement.ErrCancellableProductQuantityExceeded:
		e.Detail = &CancellableProductQuantityExceeded{ProductID: err.ProductID, CancellableQuantity: int64(err.Allowed)}
	case settlement.ErrTransferDiscountSharePolicyNotFound:
		e.Detail = &TransferDiscountSharePolicyNotFound{DiscountSharePolicyID: err.PolicyID, ProductID: err.ProductID}
	}
	return e
}

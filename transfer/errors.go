package transfer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle-dev/settle/settlement"
)

// ErrorType is one of PortOne's error `type` strings. It is the settlement
// package's type, so a transfer.ErrorType and a settlement.ErrorType with the
// same text are the same error: errors.Is(err, transfer.ErrPartnerNotFound)
// and errors.Is(err, settlement.ErrCancellableProductQuantityExceeded) both
// work on an *APIError.
type ErrorType = settlement.ErrorType

// PortOne's platform error types (§4 of the platform note), plus the V2
// API's IDEMPOTENCY_OUTSTANDING_REQUEST.
const (
	ErrForbidden                                                             ErrorType = "FORBIDDEN"
	ErrInvalidRequest                                                        ErrorType = "INVALID_REQUEST"
	ErrAccountVerificationAlreadyUsed                                        ErrorType = "PLATFORM_ACCOUNT_VERIFICATION_ALREADY_USED"
	ErrAccountVerificationFailed                                             ErrorType = "PLATFORM_ACCOUNT_VERIFICATION_FAILED"
	ErrAccountVerificationNotFound                                           ErrorType = "PLATFORM_ACCOUNT_VERIFICATION_NOT_FOUND"
	ErrAdditionalFeePoliciesNotFound                                         ErrorType = "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND"
	ErrAdditionalFeePolicyAlreadyExists                                      ErrorType = "PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS"
	ErrAdditionalFeePolicyNotFound                                           ErrorType = "PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND"
	ErrAdditionalFeePolicyScheduleAlreadyExists                              ErrorType = "PLATFORM_ADDITIONAL_FEE_POLICY_SCHEDULE_ALREADY_EXISTS"
	ErrAdditionalFixedAmountFeeCurrencyAndSettlementCurrencyMismatched       ErrorType = "PLATFORM_ADDITIONAL_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED"
	ErrArchivedAdditionalFeePolicy                                           ErrorType = "PLATFORM_ARCHIVED_ADDITIONAL_FEE_POLICY"
	ErrArchivedContract                                                      ErrorType = "PLATFORM_ARCHIVED_CONTRACT"
	ErrArchivedDiscountSharePolicy                                           ErrorType = "PLATFORM_ARCHIVED_DISCOUNT_SHARE_POLICY"
	ErrArchivedPartner                                                       ErrorType = "PLATFORM_ARCHIVED_PARTNER"
	ErrArchivedPartnersCannotBeScheduled                                     ErrorType = "PLATFORM_ARCHIVED_PARTNERS_CANNOT_BE_SCHEDULED"
	ErrArchivedPartnerNTSNotAllowed                                          ErrorType = "PLATFORM_ARCHIVED_PARTNER_NTS_NOT_ALLOWED"
	ErrBTXNotEnabled                                                         ErrorType = "PLATFORM_BTX_NOT_ENABLED"
	ErrBulkPayoutIDAlreadyExists                                             ErrorType = "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS"
	ErrCancellableAmountExceeded                                             ErrorType = "PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED"
	ErrCancellableDiscountAmountExceeded                                     ErrorType = "PLATFORM_CANCELLABLE_DISCOUNT_AMOUNT_EXCEEDED"
	ErrCancellableDiscountTaxFreeAmountExceeded                              ErrorType = "PLATFORM_CANCELLABLE_DISCOUNT_TAX_FREE_AMOUNT_EXCEEDED"
	ErrCancellableProductQuantityExceeded                                    ErrorType = "PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED"
	ErrCancellationAndPaymentTypeMismatched                                  ErrorType = "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED"
	ErrCancellationNotFound                                                  ErrorType = "PLATFORM_CANCELLATION_NOT_FOUND"
	ErrCancelOrderTransfersExists                                            ErrorType = "PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS"
	ErrCannotArchiveScheduledAdditionalFeePolicy                             ErrorType = "PLATFORM_CANNOT_ARCHIVE_SCHEDULED_ADDITIONAL_FEE_POLICY"
	ErrCannotArchiveScheduledContract                                        ErrorType = "PLATFORM_CANNOT_ARCHIVE_SCHEDULED_CONTRACT"
	ErrCannotArchiveScheduledDiscountSharePolicy                             ErrorType = "PLATFORM_CANNOT_ARCHIVE_SCHEDULED_DISCOUNT_SHARE_POLICY"
	ErrCannotArchiveScheduledPartner                                         ErrorType = "PLATFORM_CANNOT_ARCHIVE_SCHEDULED_PARTNER"
	ErrCannotSpecifyTransfer                                                 ErrorType = "PLATFORM_CANNOT_SPECIFY_TRANSFER"
	ErrCompanyNotFound                                                       ErrorType = "PLATFORM_COMPANY_NOT_FOUND"
	ErrCompanyVerificationAlreadyUsed                                        ErrorType = "PLATFORM_COMPANY_VERIFICATION_ALREADY_USED"
	ErrContractsNotFound                                                     ErrorType = "PLATFORM_CONTRACTS_NOT_FOUND"
	ErrContractAlreadyExists                                                 ErrorType = "PLATFORM_CONTRACT_ALREADY_EXISTS"
	ErrContractNotFound                                                      ErrorType = "PLATFORM_CONTRACT_NOT_FOUND"
	ErrContractPlatformFixedAmountFeeCurrencyAndSettlementCurrencyMismatched ErrorType = "PLATFORM_CONTRACT_PLATFORM_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED"
	ErrContractScheduleAlreadyExists                                         ErrorType = "PLATFORM_CONTRACT_SCHEDULE_ALREADY_EXISTS"
	ErrCounterpartyNotConnectableStatus                                      ErrorType = "PLATFORM_COUNTERPARTY_NOT_CONNECTABLE_STATUS"
	ErrCounterpartyNotConnected                                              ErrorType = "PLATFORM_COUNTERPARTY_NOT_CONNECTED"
	ErrCounterpartyOngoingTaxInvoiceExists                                   ErrorType = "PLATFORM_COUNTERPARTY_ONGOING_TAX_INVOICE_EXISTS"
	ErrCurrencyNotSupported                                                  ErrorType = "PLATFORM_CURRENCY_NOT_SUPPORTED"
	ErrDiscountSharePoliciesNotFound                                         ErrorType = "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND"
	ErrDiscountSharePolicyAlreadyExists                                      ErrorType = "PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS"
	ErrDiscountSharePolicyIDDuplicated                                       ErrorType = "PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED"
	ErrDiscountSharePolicyNotFound                                           ErrorType = "PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND"
	ErrDiscountSharePolicyScheduleAlreadyExists                              ErrorType = "PLATFORM_DISCOUNT_SHARE_POLICY_SCHEDULE_ALREADY_EXISTS"
	ErrDuplicatedPartnerSettlementIDs                                        ErrorType = "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS"
	ErrExternalAPIFailed                                                     ErrorType = "PLATFORM_EXTERNAL_API_FAILED"
	ErrExternalAPITemporarilyFailed                                          ErrorType = "PLATFORM_EXTERNAL_API_TEMPORARILY_FAILED"
	ErrInsufficientDataToChangePartnerType                                   ErrorType = "PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE"
	ErrMemberCompanyConnectedPartnersCannotBeScheduled                       ErrorType = "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNERS_CANNOT_BE_SCHEDULED"
	ErrMemberCompanyConnectedPartnerBRNUnchangeable                          ErrorType = "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_BRN_UNCHANGEABLE"
	ErrMemberCompanyConnectedPartnerCannotBeScheduled                        ErrorType = "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_CANNOT_BE_SCHEDULED"
	ErrMemberCompanyConnectedPartnerTypeUnchangeable                         ErrorType = "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_TYPE_UNCHANGEABLE"
	ErrNegativeAmountNotAllowed                                              ErrorType = "PLATFORM_NEGATIVE_AMOUNT_NOT_ALLOWED"
	ErrNonDeletablePartnerSettlements                                        ErrorType = "PLATFORM_NON_DELETABLE_PARTNER_SETTLEMENTS"
	ErrNonPayablePartnerSettlements                                          ErrorType = "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS"
	ErrNotEnabled                                                            ErrorType = "PLATFORM_NOT_ENABLED"
	ErrNotSupportedBank                                                      ErrorType = "PLATFORM_NOT_SUPPORTED_BANK"
	ErrNoSelectedPartnerSettlements                                          ErrorType = "PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS"
	ErrOngoingTaxInvoiceExists                                               ErrorType = "PLATFORM_ONGOING_TAX_INVOICE_EXISTS"
	ErrOrderDetailMismatched                                                 ErrorType = "PLATFORM_ORDER_DETAIL_MISMATCHED"
	ErrOrderTransferAlreadyCancelled                                         ErrorType = "PLATFORM_ORDER_TRANSFER_ALREADY_CANCELLED"
	ErrPartnerIDsAlreadyExists                                               ErrorType = "PLATFORM_PARTNER_IDS_ALREADY_EXISTS"
	ErrPartnerIDsDuplicated                                                  ErrorType = "PLATFORM_PARTNER_IDS_DUPLICATED"
	ErrPartnerIDAlreadyExists                                                ErrorType = "PLATFORM_PARTNER_ID_ALREADY_EXISTS"
	ErrPartnerNotFound                                                       ErrorType = "PLATFORM_PARTNER_NOT_FOUND"
	ErrPartnerPendingNTSOperation                                            ErrorType = "PLATFORM_PARTNER_PENDING_NTS_OPERATION"
	ErrPartnerSchedulesAlreadyExist                                          ErrorType = "PLATFORM_PARTNER_SCHEDULES_ALREADY_EXIST"
	ErrPartnerScheduleAlreadyExists                                          ErrorType = "PLATFORM_PARTNER_SCHEDULE_ALREADY_EXISTS"
	ErrPartnerScheduleExists                                                 ErrorType = "PLATFORM_PARTNER_SCHEDULE_EXISTS"
	ErrPartnerSettlementsNotFound                                            ErrorType = "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND"
	ErrPartnerTaxationTypeIsSimple                                           ErrorType = "PLATFORM_PARTNER_TAXATION_TYPE_IS_SIMPLE"
	ErrPartnerTypeIsNotBusiness                                              ErrorType = "PLATFORM_PARTNER_TYPE_IS_NOT_BUSINESS"
	ErrPaymentNotFound                                                       ErrorType = "PLATFORM_PAYMENT_NOT_FOUND"
	ErrProductIDDuplicated                                                   ErrorType = "PLATFORM_PRODUCT_ID_DUPLICATED"
	ErrProductIDNotFound                                                     ErrorType = "PLATFORM_PRODUCT_ID_NOT_FOUND"
	ErrReferencedCancelOrderTransfersExist                                   ErrorType = "PLATFORM_REFERENCED_CANCEL_ORDER_TRANSFERS_EXIST"
	ErrSettlementAmountExceeded                                              ErrorType = "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED"
	ErrSettlementCancelAmountExceededPortOneCancel                           ErrorType = "PLATFORM_SETTLEMENT_CANCEL_AMOUNT_EXCEEDED_PORT_ONE_CANCEL"
	ErrSettlementDateEarlierThanSettlementStartDate                          ErrorType = "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE"
	ErrSettlementParameterNotFound                                           ErrorType = "PLATFORM_SETTLEMENT_PARAMETER_NOT_FOUND"
	ErrSettlementPaymentAmountExceededPortOnePayment                         ErrorType = "PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT"
	ErrSettlementSupplyWithVatAmountExceededPortOnePayment                   ErrorType = "PLATFORM_SETTLEMENT_SUPPLY_WITH_VAT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT"
	ErrSettlementTaxFreeAmountExceededPortOnePayment                         ErrorType = "PLATFORM_SETTLEMENT_TAX_FREE_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT"
	ErrTargetPartnerNotFound                                                 ErrorType = "PLATFORM_TARGET_PARTNER_NOT_FOUND"
	ErrTransferAlreadyExists                                                 ErrorType = "PLATFORM_TRANSFER_ALREADY_EXISTS"
	ErrTransferDiscountSharePolicyNotFound                                   ErrorType = "PLATFORM_TRANSFER_DISCOUNT_SHARE_POLICY_NOT_FOUND"
	ErrTransferIDAlreadyUsed                                                 ErrorType = "PLATFORM_TRANSFER_ID_ALREADY_USED"
	ErrTransferNonDeletableStatus                                            ErrorType = "PLATFORM_TRANSFER_NON_DELETABLE_STATUS"
	ErrTransferNotFound                                                      ErrorType = "PLATFORM_TRANSFER_NOT_FOUND"
	ErrUserDefinedPropertyNotFound                                           ErrorType = "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND"
	ErrUnauthorized                                                          ErrorType = "UNAUTHORIZED"
	ErrIdempotencyOutstandingRequest                                         ErrorType = "IDEMPOTENCY_OUTSTANDING_REQUEST"
)

// StatusForType is the HTTP status PortOne answers with for error type t
// (the schema's x-portone-status-code). An unknown type answers 400.
func StatusForType(t string) int {
	switch ErrorType(t) {
	case ErrInvalidRequest, ErrAccountVerificationFailed, ErrAdditionalFixedAmountFeeCurrencyAndSettlementCurrencyMismatched, ErrCancellableAmountExceeded, ErrCancellableDiscountAmountExceeded, ErrCancellableDiscountTaxFreeAmountExceeded, ErrCancellableProductQuantityExceeded, ErrCancellationAndPaymentTypeMismatched, ErrCancelOrderTransfersExists, ErrCannotSpecifyTransfer, ErrContractPlatformFixedAmountFeeCurrencyAndSettlementCurrencyMismatched, ErrCounterpartyNotConnectableStatus, ErrCounterpartyNotConnected, ErrCurrencyNotSupported, ErrDiscountSharePolicyIDDuplicated, ErrDuplicatedPartnerSettlementIDs, ErrInsufficientDataToChangePartnerType, ErrNegativeAmountNotAllowed, ErrNonDeletablePartnerSettlements, ErrNonPayablePartnerSettlements, ErrNotSupportedBank, ErrNoSelectedPartnerSettlements, ErrOrderDetailMismatched, ErrOrderTransferAlreadyCancelled, ErrPartnerIDsDuplicated, ErrPartnerTaxationTypeIsSimple, ErrPartnerTypeIsNotBusiness, ErrProductIDDuplicated, ErrReferencedCancelOrderTransfersExist, ErrSettlementAmountExceeded, ErrSettlementCancelAmountExceededPortOneCancel, ErrSettlementDateEarlierThanSettlementStartDate, ErrSettlementPaymentAmountExceededPortOnePayment, ErrSettlementSupplyWithVatAmountExceededPortOnePayment, ErrSettlementTaxFreeAmountExceededPortOnePayment, ErrTransferNonDeletableStatus:
		return http.StatusBadRequest
	case ErrUnauthorized:
		return http.StatusUnauthorized
	case ErrForbidden, ErrBTXNotEnabled, ErrNotEnabled:
		return http.StatusForbidden
	case ErrAccountVerificationNotFound, ErrAdditionalFeePoliciesNotFound, ErrAdditionalFeePolicyNotFound, ErrCancellationNotFound, ErrCompanyNotFound, ErrContractsNotFound, ErrContractNotFound, ErrDiscountSharePoliciesNotFound, ErrDiscountSharePolicyNotFound, ErrPartnerNotFound, ErrPartnerSettlementsNotFound, ErrPaymentNotFound, ErrProductIDNotFound, ErrSettlementParameterNotFound, ErrTargetPartnerNotFound, ErrTransferDiscountSharePolicyNotFound, ErrTransferNotFound, ErrUserDefinedPropertyNotFound:
		return http.StatusNotFound
	case ErrAccountVerificationAlreadyUsed, ErrAdditionalFeePolicyAlreadyExists, ErrAdditionalFeePolicyScheduleAlreadyExists, ErrArchivedAdditionalFeePolicy, ErrArchivedContract, ErrArchivedDiscountSharePolicy, ErrArchivedPartner, ErrArchivedPartnersCannotBeScheduled, ErrArchivedPartnerNTSNotAllowed, ErrBulkPayoutIDAlreadyExists, ErrCannotArchiveScheduledAdditionalFeePolicy, ErrCannotArchiveScheduledContract, ErrCannotArchiveScheduledDiscountSharePolicy, ErrCannotArchiveScheduledPartner, ErrCompanyVerificationAlreadyUsed, ErrContractAlreadyExists, ErrContractScheduleAlreadyExists, ErrCounterpartyOngoingTaxInvoiceExists, ErrDiscountSharePolicyAlreadyExists, ErrDiscountSharePolicyScheduleAlreadyExists, ErrMemberCompanyConnectedPartnersCannotBeScheduled, ErrMemberCompanyConnectedPartnerBRNUnchangeable, ErrMemberCompanyConnectedPartnerCannotBeScheduled, ErrMemberCompanyConnectedPartnerTypeUnchangeable, ErrOngoingTaxInvoiceExists, ErrPartnerIDsAlreadyExists, ErrPartnerIDAlreadyExists, ErrPartnerPendingNTSOperation, ErrPartnerSchedulesAlreadyExist, ErrPartnerScheduleAlreadyExists, ErrPartnerScheduleExists, ErrTransferAlreadyExists, ErrTransferIDAlreadyUsed, ErrIdempotencyOutstandingRequest:
		return http.StatusConflict
	case ErrExternalAPIFailed, ErrExternalAPITemporarilyFailed:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// APIError is a non-2xx answer from PortOne. Type is the body's `type` (kept
// as sent, even when this package does not know it); Detail holds the typed
// extra fields for the types that have them (one of the detail types below),
// so errors.As finds them:
//
//	var dup *transfer.TransferAlreadyExists
//	if errors.As(err, &dup) { ... dup.TransferID ... }
//
// errors.Is(err, transfer.ErrTransferAlreadyExists) matches on Type.
type APIError struct {
	StatusCode int
	Type       ErrorType
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
	fmt.Fprintf(&b, "portone: %d", e.StatusCode)
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

// Is matches an ErrorType (transfer's or settlement's: they are one type)
// equal to e.Type.
func (e *APIError) Is(target error) bool {
	t, ok := target.(ErrorType)
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
// which is where ErrorBody puts it.
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
func portOneAmountNames(t ErrorType) (reg, req, po string, ok bool) {
	switch t {
	case ErrSettlementPaymentAmountExceededPortOnePayment:
		return "registeredSettlementPaymentAmount", "requestSettlementPaymentAmount", "portOnePaymentAmount", true
	case ErrSettlementTaxFreeAmountExceededPortOnePayment:
		return "registeredSettlementTaxFreeAmount", "requestSettlementTaxFreeAmount", "portOneTaxFreeAmount", true
	case ErrSettlementSupplyWithVatAmountExceededPortOnePayment:
		return "registeredSettlementSupplyWithVatAmount", "requestSettlementSupplyWithVatAmount", "portOneSupplyWithVatAmount", true
	case ErrSettlementCancelAmountExceededPortOneCancel:
		return "registeredSettlementCancelAmount", "requestSettlementCancelAmount", "portOneCancelAmount", true
	}
	return "", "", "", false
}

// detailFor returns a fresh detail value for t, or nil when t has no extra
// fields this package types.
func detailFor(t ErrorType) error {
	switch t {
	case ErrTransferAlreadyExists:
		return &TransferAlreadyExists{}
	case ErrSettlementAmountExceeded:
		return &SettlementAmountExceeded{}
	case ErrCancellableAmountExceeded:
		return &CancellableAmountExceeded{}
	case ErrCancellableDiscountAmountExceeded, ErrCancellableDiscountTaxFreeAmountExceeded:
		return &CancellableDiscountExceeded{}
	case ErrCancellableProductQuantityExceeded:
		return &CancellableProductQuantityExceeded{}
	case ErrProductIDDuplicated, ErrProductIDNotFound:
		return &ProductIDError{}
	case ErrDiscountSharePolicyIDDuplicated:
		return &PolicyIDDuplicated{}
	case ErrContractPlatformFixedAmountFeeCurrencyAndSettlementCurrencyMismatched,
		ErrAdditionalFixedAmountFeeCurrencyAndSettlementCurrencyMismatched:
		return &FeeCurrencyMismatched{}
	case ErrSettlementDateEarlierThanSettlementStartDate:
		return &SettlementDateEarlier{}
	case ErrTransferDiscountSharePolicyNotFound:
		return &TransferDiscountSharePolicyNotFound{}
	case ErrAdditionalFeePoliciesNotFound, ErrDiscountSharePoliciesNotFound, ErrContractsNotFound,
		ErrPartnerIDsDuplicated, ErrPartnerIDsAlreadyExists, ErrPartnerSettlementsNotFound,
		ErrNonDeletablePartnerSettlements, ErrNonPayablePartnerSettlements,
		ErrReferencedCancelOrderTransfersExist, ErrPartnerSchedulesAlreadyExist,
		ErrMemberCompanyConnectedPartnersCannotBeScheduled:
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
		sub, typ = typ, string(ErrSettlementAmountExceeded)
	}
	e.Type = ErrorType(typ)
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

// parseRetryAfter reads Retry-After as delta-seconds or an HTTP-date
// (relative to now). Absent, malformed or past values give 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// EncodeError renders e as PortOne's error body: {type, message, ...the
// detail's fields by PortOne's names}. Required arrays are sent as [].
// The emulator answers with it, with status StatusForType(string(e.Type)).
func EncodeError(e *APIError) []byte {
	out := map[string]any{}
	switch d := e.Detail.(type) {
	case nil:
	case *PortOneAmountExceeded:
		reg, req, po, _ := portOneAmountNames(e.Type)
		out[reg], out[req], out[po] = d.Registered, d.Requested, d.PortOne
		if e.Type == ErrSettlementCancelAmountExceededPortOneCancel {
			out["amountType"] = d.AmountType
		}
	case *IDsError:
		out["ids"] = nonNil(d.IDs)
		out["graphqlIds"] = nonNil(d.GraphqlIDs)
		if e.Type == ErrReferencedCancelOrderTransfersExist {
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
	b, err := json.Marshal(out)
	if err != nil { // unreachable: every value above marshals
		return []byte(`{"type":"INVALID_REQUEST","message":"unencodable error"}`)
	}
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// APIErrorFrom maps a *settlement.Error to the *APIError PortOne would
// answer with: same type, the status of StatusForType, and the detail fields
// the type carries. GraphQL ids, which the settlement rules do not know, are
// sent empty.
func APIErrorFrom(err *settlement.Error) *APIError {
	msg := err.Message
	if err.Field != "" {
		if msg == "" {
			msg = err.Field
		} else {
			msg = err.Field + ": " + msg
		}
	}
	e := &APIError{StatusCode: StatusForType(string(err.Type)), Type: err.Type, Message: msg}
	switch err.Type {
	case ErrProductIDDuplicated, ErrProductIDNotFound:
		e.Detail = &ProductIDError{ID: err.ProductID}
	case ErrSettlementAmountExceeded:
		e.Detail = &SettlementAmountExceeded{ProductID: err.ProductID, RequestedAmount: int64(err.Requested), AllowedAmount: int64(err.Allowed), ExceededType: err.ExceededType}
	case ErrSettlementDateEarlierThanSettlementStartDate:
		d := &SettlementDateEarlier{}
		if !err.StartDate.IsZero() {
			d.SettlementStartDate = err.StartDate.String()
		}
		if !err.SettlementDate.IsZero() {
			d.SettlementDate = err.SettlementDate.String()
		}
		e.Detail = d
	case ErrAdditionalFeePoliciesNotFound, ErrDiscountSharePoliciesNotFound:
		ids := nonNil(err.PolicyIDs)
		if len(err.PolicyIDs) == 0 && err.PolicyID != "" {
			ids = []string{err.PolicyID}
		}
		e.Detail = &IDsError{IDs: ids, GraphqlIDs: []string{}}
	case ErrDiscountSharePolicyIDDuplicated:
		e.Detail = &PolicyIDDuplicated{ID: err.PolicyID}
	case ErrCancellableAmountExceeded:
		e.Detail = &CancellableAmountExceeded{CancellableAmount: int64(err.Allowed), RequestAmount: int64(err.Requested), AmountType: err.AmountType}
	case ErrCancellableDiscountAmountExceeded, ErrCancellableDiscountTaxFreeAmountExceeded:
		e.Detail = &CancellableDiscountExceeded{DiscountSharePolicyID: err.PolicyID, CancellableAmount: int64(err.Allowed), RequestAmount: int64(err.Requested), ProductID: err.ProductID}
	case ErrCancellableProductQuantityExceeded:
		e.Detail = &CancellableProductQuantityExceeded{ProductID: err.ProductID, CancellableQuantity: int64(err.Allowed)}
	case ErrTransferDiscountSharePolicyNotFound:
		e.Detail = &TransferDiscountSharePolicyNotFound{DiscountSharePolicyID: err.PolicyID, ProductID: err.ProductID}
	}
	return e
}

// ErrorBody renders a settlement rejection as PortOne's error body
// {type, message, ...extra fields by PortOne's names}; answer it with status
// StatusForType(string(err.Type)). The sub-type of
// PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED goes in amountExceededType, leaving
// `type` to the discriminator so official SDKs decode the body.
func ErrorBody(err *settlement.Error) []byte {
	return EncodeError(APIErrorFrom(err))
}

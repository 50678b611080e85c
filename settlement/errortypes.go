package settlement

import "net/http"

// The error types of PortOne's platform API (portone-platform.md §4), plus
// the V2 API's IDEMPOTENCY_OUTSTANDING_REQUEST. They are the one set of
// names for PortOne's errors: the settlement rules answer with them, the
// client matches PortOne's answers against them (errors.Is), and the
// emulator and the HTTP API render them.
const (
	ErrForbidden                                                             ErrorType = "FORBIDDEN"
	ErrIdempotencyOutstandingRequest                                         ErrorType = "IDEMPOTENCY_OUTSTANDING_REQUEST"
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
)

// HTTPStatus is the status PortOne answers with for t (the schema's
// x-portone-status-code); an unknown type is a 400.
func (t ErrorType) HTTPStatus() int {
	switch t {
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

package transfer

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

// everyErrorType is §4 of the platform note as the schema states it: each
// type, its status, and a body carrying every extra field the schema
// declares for it.
var everyErrorType = []struct {
	typ    settlement.ErrorType
	status int
	body   string
}{
	{settlement.ErrForbidden, 403, `{"type":"FORBIDDEN","message":"m"}`},
	{settlement.ErrInvalidRequest, 400, `{"type":"INVALID_REQUEST","message":"m"}`},
	{settlement.ErrAccountVerificationAlreadyUsed, 409, `{"type":"PLATFORM_ACCOUNT_VERIFICATION_ALREADY_USED","message":"m"}`},
	{settlement.ErrAccountVerificationFailed, 400, `{"type":"PLATFORM_ACCOUNT_VERIFICATION_FAILED","message":"m"}`},
	{settlement.ErrAccountVerificationNotFound, 404, `{"type":"PLATFORM_ACCOUNT_VERIFICATION_NOT_FOUND","message":"m"}`},
	{settlement.ErrAdditionalFeePoliciesNotFound, 404, `{"type":"PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrAdditionalFeePolicyAlreadyExists, 409, `{"type":"PLATFORM_ADDITIONAL_FEE_POLICY_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrAdditionalFeePolicyNotFound, 404, `{"type":"PLATFORM_ADDITIONAL_FEE_POLICY_NOT_FOUND","message":"m"}`},
	{settlement.ErrAdditionalFeePolicyScheduleAlreadyExists, 409, `{"type":"PLATFORM_ADDITIONAL_FEE_POLICY_SCHEDULE_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrAdditionalFixedAmountFeeCurrencyAndSettlementCurrencyMismatched, 400, `{"type":"PLATFORM_ADDITIONAL_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED","message":"m","id":"id-v","graphqlId":"graphqlId-v","feeCurrency":"KRW","settlementCurrency":"KRW"}`},
	{settlement.ErrArchivedAdditionalFeePolicy, 409, `{"type":"PLATFORM_ARCHIVED_ADDITIONAL_FEE_POLICY","message":"m"}`},
	{settlement.ErrArchivedContract, 409, `{"type":"PLATFORM_ARCHIVED_CONTRACT","message":"m"}`},
	{settlement.ErrArchivedDiscountSharePolicy, 409, `{"type":"PLATFORM_ARCHIVED_DISCOUNT_SHARE_POLICY","message":"m"}`},
	{settlement.ErrArchivedPartner, 409, `{"type":"PLATFORM_ARCHIVED_PARTNER","message":"m"}`},
	{settlement.ErrArchivedPartnersCannotBeScheduled, 409, `{"type":"PLATFORM_ARCHIVED_PARTNERS_CANNOT_BE_SCHEDULED","message":"m"}`},
	{settlement.ErrArchivedPartnerNTSNotAllowed, 409, `{"type":"PLATFORM_ARCHIVED_PARTNER_NTS_NOT_ALLOWED","message":"m"}`},
	{settlement.ErrBTXNotEnabled, 403, `{"type":"PLATFORM_BTX_NOT_ENABLED","message":"m"}`},
	{settlement.ErrBulkPayoutIDAlreadyExists, 409, `{"type":"PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrCancellableAmountExceeded, 400, `{"type":"PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED","message":"m","cancellableAmount":170,"requestAmount":130,"amountType":"TAX_FREE"}`},
	{settlement.ErrCancellableDiscountAmountExceeded, 400, `{"type":"PLATFORM_CANCELLABLE_DISCOUNT_AMOUNT_EXCEEDED","message":"m","discountSharePolicyId":"discountSharePolicyId-v","discountSharePolicyGraphqlId":"discountSharePolicyGraphqlId-v","cancellableAmount":170,"requestAmount":130,"productId":"productId-v"}`},
	{settlement.ErrCancellableDiscountTaxFreeAmountExceeded, 400, `{"type":"PLATFORM_CANCELLABLE_DISCOUNT_TAX_FREE_AMOUNT_EXCEEDED","message":"m","discountSharePolicyId":"discountSharePolicyId-v","discountSharePolicyGraphqlId":"discountSharePolicyGraphqlId-v","cancellableAmount":170,"requestAmount":130,"productId":"productId-v"}`},
	{settlement.ErrCancellableProductQuantityExceeded, 400, `{"type":"PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED","message":"m","productId":"productId-v","cancellableQuantity":190}`},
	{settlement.ErrCancellationAndPaymentTypeMismatched, 400, `{"type":"PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED","message":"m"}`},
	{settlement.ErrCancellationNotFound, 404, `{"type":"PLATFORM_CANCELLATION_NOT_FOUND","message":"m"}`},
	{settlement.ErrCancelOrderTransfersExists, 400, `{"type":"PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS","message":"m"}`},
	{settlement.ErrCannotArchiveScheduledAdditionalFeePolicy, 409, `{"type":"PLATFORM_CANNOT_ARCHIVE_SCHEDULED_ADDITIONAL_FEE_POLICY","message":"m"}`},
	{settlement.ErrCannotArchiveScheduledContract, 409, `{"type":"PLATFORM_CANNOT_ARCHIVE_SCHEDULED_CONTRACT","message":"m"}`},
	{settlement.ErrCannotArchiveScheduledDiscountSharePolicy, 409, `{"type":"PLATFORM_CANNOT_ARCHIVE_SCHEDULED_DISCOUNT_SHARE_POLICY","message":"m"}`},
	{settlement.ErrCannotArchiveScheduledPartner, 409, `{"type":"PLATFORM_CANNOT_ARCHIVE_SCHEDULED_PARTNER","message":"m"}`},
	{settlement.ErrCannotSpecifyTransfer, 400, `{"type":"PLATFORM_CANNOT_SPECIFY_TRANSFER","message":"m"}`},
	{settlement.ErrCompanyNotFound, 404, `{"type":"PLATFORM_COMPANY_NOT_FOUND","message":"m"}`},
	{settlement.ErrCompanyVerificationAlreadyUsed, 409, `{"type":"PLATFORM_COMPANY_VERIFICATION_ALREADY_USED","message":"m"}`},
	{settlement.ErrContractsNotFound, 404, `{"type":"PLATFORM_CONTRACTS_NOT_FOUND","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrContractAlreadyExists, 409, `{"type":"PLATFORM_CONTRACT_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrContractNotFound, 404, `{"type":"PLATFORM_CONTRACT_NOT_FOUND","message":"m"}`},
	{settlement.ErrContractPlatformFixedAmountFeeCurrencyAndSettlementCurrencyMismatched, 400, `{"type":"PLATFORM_CONTRACT_PLATFORM_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED","message":"m","id":"id-v","graphqlId":"graphqlId-v","feeCurrency":"KRW","settlementCurrency":"KRW"}`},
	{settlement.ErrContractScheduleAlreadyExists, 409, `{"type":"PLATFORM_CONTRACT_SCHEDULE_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrCounterpartyNotConnectableStatus, 400, `{"type":"PLATFORM_COUNTERPARTY_NOT_CONNECTABLE_STATUS","message":"m"}`},
	{settlement.ErrCounterpartyNotConnected, 400, `{"type":"PLATFORM_COUNTERPARTY_NOT_CONNECTED","message":"m"}`},
	{settlement.ErrCounterpartyOngoingTaxInvoiceExists, 409, `{"type":"PLATFORM_COUNTERPARTY_ONGOING_TAX_INVOICE_EXISTS","message":"m"}`},
	{settlement.ErrCurrencyNotSupported, 400, `{"type":"PLATFORM_CURRENCY_NOT_SUPPORTED","message":"m"}`},
	{settlement.ErrDiscountSharePoliciesNotFound, 404, `{"type":"PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrDiscountSharePolicyAlreadyExists, 409, `{"type":"PLATFORM_DISCOUNT_SHARE_POLICY_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrDiscountSharePolicyIDDuplicated, 400, `{"type":"PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED","message":"m","id":"id-v","graphqlId":"graphqlId-v"}`},
	{settlement.ErrDiscountSharePolicyNotFound, 404, `{"type":"PLATFORM_DISCOUNT_SHARE_POLICY_NOT_FOUND","message":"m"}`},
	{settlement.ErrDiscountSharePolicyScheduleAlreadyExists, 409, `{"type":"PLATFORM_DISCOUNT_SHARE_POLICY_SCHEDULE_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrDuplicatedPartnerSettlementIDs, 400, `{"type":"PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS","message":"m"}`},
	{settlement.ErrExternalAPIFailed, 503, `{"type":"PLATFORM_EXTERNAL_API_FAILED","message":"m"}`},
	{settlement.ErrExternalAPITemporarilyFailed, 503, `{"type":"PLATFORM_EXTERNAL_API_TEMPORARILY_FAILED","message":"m"}`},
	{settlement.ErrInsufficientDataToChangePartnerType, 400, `{"type":"PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE","message":"m"}`},
	{settlement.ErrMemberCompanyConnectedPartnersCannotBeScheduled, 409, `{"type":"PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNERS_CANNOT_BE_SCHEDULED","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrMemberCompanyConnectedPartnerBRNUnchangeable, 409, `{"type":"PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_BRN_UNCHANGEABLE","message":"m"}`},
	{settlement.ErrMemberCompanyConnectedPartnerCannotBeScheduled, 409, `{"type":"PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_CANNOT_BE_SCHEDULED","message":"m"}`},
	{settlement.ErrMemberCompanyConnectedPartnerTypeUnchangeable, 409, `{"type":"PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_TYPE_UNCHANGEABLE","message":"m"}`},
	{settlement.ErrNegativeAmountNotAllowed, 400, `{"type":"PLATFORM_NEGATIVE_AMOUNT_NOT_ALLOWED","message":"m"}`},
	{settlement.ErrNonDeletablePartnerSettlements, 400, `{"type":"PLATFORM_NON_DELETABLE_PARTNER_SETTLEMENTS","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrNonPayablePartnerSettlements, 400, `{"type":"PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrNotEnabled, 403, `{"type":"PLATFORM_NOT_ENABLED","message":"m"}`},
	{settlement.ErrNotSupportedBank, 400, `{"type":"PLATFORM_NOT_SUPPORTED_BANK","message":"m"}`},
	{settlement.ErrNoSelectedPartnerSettlements, 400, `{"type":"PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS","message":"m"}`},
	{settlement.ErrOngoingTaxInvoiceExists, 409, `{"type":"PLATFORM_ONGOING_TAX_INVOICE_EXISTS","message":"m"}`},
	{settlement.ErrOrderDetailMismatched, 400, `{"type":"PLATFORM_ORDER_DETAIL_MISMATCHED","message":"m"}`},
	{settlement.ErrOrderTransferAlreadyCancelled, 400, `{"type":"PLATFORM_ORDER_TRANSFER_ALREADY_CANCELLED","message":"m"}`},
	{settlement.ErrPartnerIDsAlreadyExists, 409, `{"type":"PLATFORM_PARTNER_IDS_ALREADY_EXISTS","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrPartnerIDsDuplicated, 400, `{"type":"PLATFORM_PARTNER_IDS_DUPLICATED","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrPartnerIDAlreadyExists, 409, `{"type":"PLATFORM_PARTNER_ID_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrPartnerNotFound, 404, `{"type":"PLATFORM_PARTNER_NOT_FOUND","message":"m"}`},
	{settlement.ErrPartnerPendingNTSOperation, 409, `{"type":"PLATFORM_PARTNER_PENDING_NTS_OPERATION","message":"m"}`},
	{settlement.ErrPartnerSchedulesAlreadyExist, 409, `{"type":"PLATFORM_PARTNER_SCHEDULES_ALREADY_EXIST","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrPartnerScheduleAlreadyExists, 409, `{"type":"PLATFORM_PARTNER_SCHEDULE_ALREADY_EXISTS","message":"m"}`},
	{settlement.ErrPartnerScheduleExists, 409, `{"type":"PLATFORM_PARTNER_SCHEDULE_EXISTS","message":"m"}`},
	{settlement.ErrPartnerSettlementsNotFound, 404, `{"type":"PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND","message":"m","ids":["ids-1","ids-2"],"graphqlIds":["graphqlIds-1","graphqlIds-2"]}`},
	{settlement.ErrPartnerTaxationTypeIsSimple, 400, `{"type":"PLATFORM_PARTNER_TAXATION_TYPE_IS_SIMPLE","message":"m"}`},
	{settlement.ErrPartnerTypeIsNotBusiness, 400, `{"type":"PLATFORM_PARTNER_TYPE_IS_NOT_BUSINESS","message":"m"}`},
	{settlement.ErrPaymentNotFound, 404, `{"type":"PLATFORM_PAYMENT_NOT_FOUND","message":"m"}`},
	{settlement.ErrProductIDDuplicated, 400, `{"type":"PLATFORM_PRODUCT_ID_DUPLICATED","message":"m","id":"id-v"}`},
	{settlement.ErrProductIDNotFound, 404, `{"type":"PLATFORM_PRODUCT_ID_NOT_FOUND","message":"m","id":"id-v"}`},
	{settlement.ErrReferencedCancelOrderTransfersExist, 400, `{"type":"PLATFORM_REFERENCED_CANCEL_ORDER_TRANSFERS_EXIST","message":"m","ids":["ids-1","ids-2"]}`},
	{settlement.ErrSettlementAmountExceeded, 400, `{"type":"PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED","message":"m","productId":"productId-v","requestedAmount":150,"allowedAmount":130}`},
	{settlement.ErrSettlementCancelAmountExceededPortOneCancel, 400, `{"type":"PLATFORM_SETTLEMENT_CANCEL_AMOUNT_EXCEEDED_PORT_ONE_CANCEL","message":"m","registeredSettlementCancelAmount":320,"requestSettlementCancelAmount":290,"portOneCancelAmount":190,"amountType":"TAX_FREE"}`},
	{settlement.ErrSettlementDateEarlierThanSettlementStartDate, 400, `{"type":"PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE","message":"m","settlementStartDate":"settlementStartDate-v","settlementDate":"settlementDate-v"}`},
	{settlement.ErrSettlementParameterNotFound, 404, `{"type":"PLATFORM_SETTLEMENT_PARAMETER_NOT_FOUND","message":"m"}`},
	{settlement.ErrSettlementPaymentAmountExceededPortOnePayment, 400, `{"type":"PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT","message":"m","registeredSettlementPaymentAmount":330,"requestSettlementPaymentAmount":300,"portOnePaymentAmount":200}`},
	{settlement.ErrSettlementSupplyWithVatAmountExceededPortOnePayment, 400, `{"type":"PLATFORM_SETTLEMENT_SUPPLY_WITH_VAT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT","message":"m","registeredSettlementSupplyWithVatAmount":390,"requestSettlementSupplyWithVatAmount":360,"portOneSupplyWithVatAmount":260}`},
	{settlement.ErrSettlementTaxFreeAmountExceededPortOnePayment, 400, `{"type":"PLATFORM_SETTLEMENT_TAX_FREE_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT","message":"m","registeredSettlementTaxFreeAmount":330,"requestSettlementTaxFreeAmount":300,"portOneTaxFreeAmount":200}`},
	{settlement.ErrTargetPartnerNotFound, 404, `{"type":"PLATFORM_TARGET_PARTNER_NOT_FOUND","message":"m"}`},
	{settlement.ErrTransferAlreadyExists, 409, `{"type":"PLATFORM_TRANSFER_ALREADY_EXISTS","message":"m","transferId":"transferId-v","transferGraphqlId":"transferGraphqlId-v"}`},
	{settlement.ErrTransferDiscountSharePolicyNotFound, 404, `{"type":"PLATFORM_TRANSFER_DISCOUNT_SHARE_POLICY_NOT_FOUND","message":"m","discountSharePolicyId":"discountSharePolicyId-v","discountSharePolicyGraphqlId":"discountSharePolicyGraphqlId-v","productId":"productId-v"}`},
	{settlement.ErrTransferIDAlreadyUsed, 409, `{"type":"PLATFORM_TRANSFER_ID_ALREADY_USED","message":"m"}`},
	{settlement.ErrTransferNonDeletableStatus, 400, `{"type":"PLATFORM_TRANSFER_NON_DELETABLE_STATUS","message":"m"}`},
	{settlement.ErrTransferNotFound, 404, `{"type":"PLATFORM_TRANSFER_NOT_FOUND","message":"m"}`},
	{settlement.ErrUserDefinedPropertyNotFound, 404, `{"type":"PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND","message":"m"}`},
	{settlement.ErrUnauthorized, 401, `{"type":"UNAUTHORIZED","message":"m"}`},
	{settlement.ErrIdempotencyOutstandingRequest, 409, `{"type":"IDEMPOTENCY_OUTSTANDING_REQUEST","message":"m"}`},
}

func TestDecodeEveryErrorType(t *testing.T) {
	for _, tc := range everyErrorType {
		t.Run(string(tc.typ), func(t *testing.T) {
			if got := tc.typ.HTTPStatus(); got != tc.status {
				t.Errorf("%s.HTTPStatus() = %d, want %d", tc.typ, got, tc.status)
			}
			err := error(decodeError(tc.status, nil, []byte(tc.body), ""))
			if !errors.Is(err, tc.typ) {
				t.Errorf("errors.Is(decodeError(%s), %s) = false", tc.body, tc.typ)
			}
			if !errors.Is(err, settlement.ErrorType(tc.typ)) {
				t.Errorf("errors.Is(err, settlement.ErrorType(%s)) = false", tc.typ)
			}
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("errors.As(*APIError) = false")
			}
			if apiErr.StatusCode != tc.status || apiErr.Type != tc.typ || apiErr.Message != "m" || string(apiErr.Body) != tc.body {
				t.Errorf("decodeError = %+v", apiErr)
			}
			// Every extra field the schema declares lands in a typed detail,
			// and re-encoding gives the same body back.
			var fields map[string]any
			_ = json.Unmarshal([]byte(tc.body), &fields)
			if len(fields) > 2 {
				if apiErr.Detail == nil {
					t.Fatalf("type %s has extra fields but no detail", tc.typ)
				}
				var back map[string]any
				if err := json.Unmarshal(mustMarshal(t, apiErr), &back); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(fields, back); diff != "" {
					t.Errorf("MarshalJSON(decodeError(body)) (-body +encoded):\n%s", diff)
				}
			}
		})
	}
}

func TestDecodeTypedDetails(t *testing.T) {
	decode := func(status int, body string) error { return decodeError(status, nil, []byte(body), "") }

	var dup *TransferAlreadyExists
	err := decode(409, `{"type":"PLATFORM_TRANSFER_ALREADY_EXISTS","message":"dup","transferId":"tr-9","transferGraphqlId":"g9"}`)
	if !errors.As(err, &dup) || *dup != (TransferAlreadyExists{TransferID: "tr-9", TransferGraphqlID: "g9"}) {
		t.Errorf("TransferAlreadyExists = %+v", dup)
	}

	var cq *CancellableProductQuantityExceeded
	err = decode(400, `{"type":"PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED","productId":"A","cancellableQuantity":3}`)
	if !errors.As(err, &cq) || *cq != (CancellableProductQuantityExceeded{ProductID: "A", CancellableQuantity: 3}) {
		t.Errorf("CancellableProductQuantityExceeded = %+v", cq)
	}

	var ca *CancellableAmountExceeded
	err = decode(400, `{"type":"PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED","cancellableAmount":100,"requestAmount":200,"amountType":"SUPPLY_WITH_VAT"}`)
	if !errors.As(err, &ca) || *ca != (CancellableAmountExceeded{CancellableAmount: 100, RequestAmount: 200, AmountType: "SUPPLY_WITH_VAT"}) {
		t.Errorf("CancellableAmountExceeded = %+v", ca)
	}

	var pa *PortOneAmountExceeded
	err = decode(400, `{"type":"PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT","registeredSettlementPaymentAmount":5,"requestSettlementPaymentAmount":6,"portOnePaymentAmount":10}`)
	if !errors.As(err, &pa) || *pa != (PortOneAmountExceeded{Registered: 5, Requested: 6, PortOne: 10}) {
		t.Errorf("PortOneAmountExceeded = %+v", pa)
	}
}

func TestDecodeSettlementAmountExceededLeniently(t *testing.T) {
	for name, body := range map[string]string{
		"sub-type in type":              `{"type":"DISCOUNT_THAN_ORDER","requestedAmount":7,"allowedAmount":5,"productId":"A"}`,
		"sub-type beside":               `{"type":"PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED","amountExceededType":"DISCOUNT_THAN_ORDER","requestedAmount":7,"allowedAmount":5,"productId":"A"}`,
		"amount of the wrong json type": `{"type":"DISCOUNT_THAN_ORDER","requestedAmount":"7","allowedAmount":5,"productId":"A"}`,
	} {
		t.Run(name, func(t *testing.T) {
			err := decodeError(400, nil, []byte(body), "")
			if !errors.Is(err, settlement.ErrSettlementAmountExceeded) {
				t.Errorf("errors.Is(%s, settlement.ErrSettlementAmountExceeded) = false", body)
			}
			var d *SettlementAmountExceeded
			if !errors.As(err, &d) {
				t.Fatal("errors.As(*SettlementAmountExceeded) = false")
			}
			want := SettlementAmountExceeded{ProductID: "A", RequestedAmount: 7, AllowedAmount: 5, ExceededType: settlement.DiscountThanOrder}
			if name == "amount of the wrong json type" {
				want.RequestedAmount = 0
			}
			if diff := cmp.Diff(want, *d); diff != "" {
				t.Errorf("detail (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeUnknownAndMalformed(t *testing.T) {
	err := decodeError(418, nil, []byte(`{"type":"PLATFORM_SOMETHING_NEW","message":"new","extra":1}`), "")
	if err.Type != "PLATFORM_SOMETHING_NEW" || err.Message != "new" || err.Detail != nil || err.StatusCode != 418 {
		t.Errorf("unknown type: %+v", err)
	}
	err = decodeError(502, nil, []byte(`<html>bad gateway</html>`), "")
	if err.Type != "" || err.StatusCode != 502 || err.Message != "<html>bad gateway</html>" {
		t.Errorf("non-JSON body: %+v", err)
	}
	if settlement.ErrorType("PLATFORM_SOMETHING_NEW").HTTPStatus() != http.StatusBadRequest {
		t.Errorf("HTTPStatus(unknown) = %d, want 400", settlement.ErrorType("PLATFORM_SOMETHING_NEW").HTTPStatus())
	}
}

func TestErrorBodyFromSettlement(t *testing.T) {
	for _, tc := range []struct {
		err  *settlement.Error
		want map[string]any
	}{
		{
			&settlement.Error{Type: settlement.ErrCancellableProductQuantityExceeded, Field: "orderDetail.orderLines[0].quantity", Message: "3 > 2", ProductID: "A", Requested: 3, Allowed: 2},
			map[string]any{"type": "PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED", "message": "orderDetail.orderLines[0].quantity: 3 > 2", "productId": "A", "cancellableQuantity": 2.0},
		},
		{
			&settlement.Error{Type: settlement.ErrCancellableAmountExceeded, Message: "m", Requested: 9, Allowed: 4, AmountType: "TAX_FREE"},
			map[string]any{"type": "PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED", "message": "m", "cancellableAmount": 4.0, "requestAmount": 9.0, "amountType": "TAX_FREE"},
		},
		{
			&settlement.Error{Type: settlement.ErrCancellableDiscountAmountExceeded, Message: "m", PolicyID: "dsp", Requested: 9, Allowed: 4},
			map[string]any{"type": "PLATFORM_CANCELLABLE_DISCOUNT_AMOUNT_EXCEEDED", "message": "m", "discountSharePolicyId": "dsp", "discountSharePolicyGraphqlId": "", "cancellableAmount": 4.0, "requestAmount": 9.0},
		},
		{
			&settlement.Error{Type: settlement.ErrSettlementAmountExceeded, Message: "m", ExceededType: settlement.DiscountThanOrder, Requested: 12, Allowed: 10},
			map[string]any{"type": "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED", "message": "m", "amountExceededType": "DISCOUNT_THAN_ORDER", "requestedAmount": 12.0, "allowedAmount": 10.0},
		},
		{
			&settlement.Error{Type: settlement.ErrSettlementDateEarlierThanSettlementStartDate, Message: "m", StartDate: settlement.MustDate("2023-08-11"), SettlementDate: settlement.MustDate("2023-08-01")},
			map[string]any{"type": "PLATFORM_SETTLEMENT_DATE_EARLIER_THAN_SETTLEMENT_START_DATE", "message": "m", "settlementStartDate": "2023-08-11", "settlementDate": "2023-08-01"},
		},
		{
			&settlement.Error{Type: settlement.ErrDiscountSharePoliciesNotFound, Message: "m", PolicyIDs: []string{"a", "b"}},
			map[string]any{"type": "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND", "message": "m", "ids": []any{"a", "b"}, "graphqlIds": []any{}},
		},
		{
			&settlement.Error{Type: settlement.ErrProductIDDuplicated, Message: "m", ProductID: "A"},
			map[string]any{"type": "PLATFORM_PRODUCT_ID_DUPLICATED", "message": "m", "id": "A"},
		},
		{
			&settlement.Error{Type: settlement.ErrTransferDiscountSharePolicyNotFound, Message: "m", PolicyID: "dsp", ProductID: "A"},
			map[string]any{"type": "PLATFORM_TRANSFER_DISCOUNT_SHARE_POLICY_NOT_FOUND", "message": "m", "discountSharePolicyId": "dsp", "discountSharePolicyGraphqlId": "", "productId": "A"},
		},
		{
			&settlement.Error{Type: settlement.ErrInvalidRequest, Field: "orderDetail", Message: "exactly one"},
			map[string]any{"type": "INVALID_REQUEST", "message": "orderDetail: exactly one"},
		},
	} {
		t.Run(string(tc.err.Type), func(t *testing.T) {
			b := mustMarshal(t, NewAPIError(tc.err))
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NewAPIError marshalled (-want +got):\n%s", diff)
			}
			// And the client decodes it back to the same type.
			back := decodeError(tc.err.Type.HTTPStatus(), nil, b, "")
			if !errors.Is(back, tc.err.Type) {
				t.Errorf("decodeError(marshalled NewAPIError) = %v, want type %s", back, tc.err.Type)
			}
		})
	}
}

func TestAPIErrorRedactsSecret(t *testing.T) {
	e := decodeError(401, nil, []byte(`{"type":"UNAUTHORIZED","message":"key sk_1 is wrong"}`), "sk_1")
	if e.Message != "key [REDACTED] is wrong" {
		t.Errorf("Message = %q", e.Message)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}

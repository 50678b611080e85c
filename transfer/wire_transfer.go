package transfer

import "encoding/json"

// Wire types of transfers: the create bodies, the transfer PortOne answers
// with, and the summaries list.

// DiscountInput is PortOne's CreatePlatformOrderTransferBodyDiscount (and the
// identical cancel-body discount).
type DiscountInput struct {
	SharePolicyID string `json:"sharePolicyId"`
	Amount        int64  `json:"amount"`
	TaxFreeAmount *int64 `json:"taxFreeAmount,omitempty"`
}

// AdditionalFeeInput is PortOne's CreatePlatformOrderTransferBodyAdditionalFee.
type AdditionalFeeInput struct {
	PolicyID string `json:"policyId"`
}

// ProductInput is PortOne's CreatePlatformOrderTransferBodyProduct.
type ProductInput struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Amount        int64  `json:"amount"`
	TaxFreeAmount *int64 `json:"taxFreeAmount,omitempty"`
	Tag           string `json:"tag,omitempty"`
}

// OrderLineInput is PortOne's CreatePlatformOrderTransferBodyOrderLine.
type OrderLineInput struct {
	Product        ProductInput         `json:"product"`
	Quantity       int64                `json:"quantity"`
	Discounts      []DiscountInput      `json:"discounts"`
	AdditionalFees []AdditionalFeeInput `json:"additionalFees"`
}

// OrderDetailInput is PortOne's CreatePlatformOrderTransferBodyOrderDetail:
// exactly one of OrderAmount and OrderLines.
type OrderDetailInput struct {
	OrderAmount *int64           `json:"orderAmount,omitempty"`
	OrderLines  []OrderLineInput `json:"orderLines,omitempty"`
}

// PaymentMethodInput is PortOne's PlatformPaymentMethodInput (one branch).
type PaymentMethodInput struct {
	Card            *struct{}     `json:"card,omitempty"`
	Transfer        *struct{}     `json:"transfer,omitempty"`
	VirtualAccount  *struct{}     `json:"virtualAccount,omitempty"`
	GiftCertificate *struct{}     `json:"giftCertificate,omitempty"`
	Mobile          *struct{}     `json:"mobile,omitempty"`
	EasyPay         *EasyPayInput `json:"easyPay,omitempty"`
}

// EasyPayInput is the easyPay branch of PaymentMethodInput.
type EasyPayInput struct {
	Provider   string `json:"provider,omitempty"`
	MethodType string `json:"methodType,omitempty"`
}

// ExternalPaymentDetail is PortOne's CreatePlatformOrderTransferBodyExternalPaymentDetail.
type ExternalPaymentDetail struct {
	Currency  Currency            `json:"currency"`
	OrderName string              `json:"orderName,omitempty"`
	PaidAt    string              `json:"paidAt,omitempty"`
	Method    *PaymentMethodInput `json:"method,omitempty"`
}

// CreateOrderTransferBody is PortOne's CreatePlatformOrderTransferBody.
type CreateOrderTransferBody struct {
	ID                    string                 `json:"id,omitempty"`
	PartnerID             string                 `json:"partnerId"`
	ContractID            string                 `json:"contractId,omitempty"`
	Memo                  string                 `json:"memo,omitempty"`
	PaymentID             string                 `json:"paymentId"`
	OrderDetail           OrderDetailInput       `json:"orderDetail"`
	TaxFreeAmount         *int64                 `json:"taxFreeAmount,omitempty"`
	SettlementStartDate   string                 `json:"settlementStartDate,omitempty"`
	SettlementDate        string                 `json:"settlementDate,omitempty"`
	Discounts             []DiscountInput        `json:"discounts"`
	AdditionalFees        []AdditionalFeeInput   `json:"additionalFees"`
	ExternalPaymentDetail *ExternalPaymentDetail `json:"externalPaymentDetail,omitempty"`
	IsForTest             *bool                  `json:"isForTest,omitempty"`
	Parameters            json.RawMessage        `json:"parameters,omitempty"`
	UserDefinedProperties []UserDefinedProperty  `json:"userDefinedProperties,omitempty"`
}

// CancelOrderLineInput is PortOne's CreatePlatformOrderCancelTransferBodyOrderLine.
type CancelOrderLineInput struct {
	ProductID string          `json:"productId"`
	Quantity  int64           `json:"quantity"`
	Discounts []DiscountInput `json:"discounts"`
}

// CancelOrderDetailInput is PortOne's CreatePlatformOrderCancelTransferBodyOrderDetail:
// exactly one of OrderAmount, OrderLines and All.
type CancelOrderDetailInput struct {
	OrderAmount *int64                 `json:"orderAmount,omitempty"`
	OrderLines  []CancelOrderLineInput `json:"orderLines,omitempty"`
	All         *struct{}              `json:"all,omitempty"`
}

// ExternalCancellationDetail is PortOne's CreatePlatformOrderCancelTransferBodyExternalCancellationDetail.
type ExternalCancellationDetail struct {
	CancelledAt string `json:"cancelledAt,omitempty"`
}

// CreateOrderCancelTransferBody is PortOne's CreatePlatformOrderCancelTransferBody.
type CreateOrderCancelTransferBody struct {
	ID                         string                      `json:"id,omitempty"`
	PartnerID                  string                      `json:"partnerId,omitempty"`
	PaymentID                  string                      `json:"paymentId,omitempty"`
	TransferID                 string                      `json:"transferId,omitempty"`
	CancellationID             string                      `json:"cancellationId"`
	Memo                       string                      `json:"memo,omitempty"`
	OrderDetail                *CancelOrderDetailInput     `json:"orderDetail,omitempty"`
	TaxFreeAmount              *int64                      `json:"taxFreeAmount,omitempty"`
	Discounts                  []DiscountInput             `json:"discounts"`
	SettlementStartDate        string                      `json:"settlementStartDate,omitempty"`
	SettlementDate             string                      `json:"settlementDate,omitempty"`
	ExternalCancellationDetail *ExternalCancellationDetail `json:"externalCancellationDetail,omitempty"`
	IsForTest                  *bool                       `json:"isForTest,omitempty"`
	UserDefinedProperties      []UserDefinedProperty       `json:"userDefinedProperties,omitempty"`
}

// CreateManualTransferBody is PortOne's CreatePlatformManualTransferBody.
type CreateManualTransferBody struct {
	ID                      string                `json:"id,omitempty"`
	PartnerID               string                `json:"partnerId"`
	Memo                    string                `json:"memo,omitempty"`
	SettlementAmount        int64                 `json:"settlementAmount"`
	SettlementTaxFreeAmount *int64                `json:"settlementTaxFreeAmount,omitempty"`
	SettlementDate          string                `json:"settlementDate"`
	SettlementCurrency      Currency              `json:"settlementCurrency,omitempty"`
	IsForTest               *bool                 `json:"isForTest,omitempty"`
	UserDefinedProperties   []UserDefinedProperty `json:"userDefinedProperties,omitempty"`
}

// SettlementAmount is PortOne's PlatformOrderSettlementAmount.
type SettlementAmount struct {
	Settlement           int64            `json:"settlement"`
	SettlementTaxFree    int64            `json:"settlementTaxFree"`
	Payment              int64            `json:"payment"`
	PaymentVat           int64            `json:"paymentVat"`
	PaymentVatBurden     int64            `json:"paymentVatBurden"`
	PaymentTaxFree       int64            `json:"paymentTaxFree"`
	PaymentSupply        int64            `json:"paymentSupply"`
	Order                int64            `json:"order"`
	OrderTaxFree         int64            `json:"orderTaxFree"`
	PlatformFee          int64            `json:"platformFee"`
	PlatformFeeVat       int64            `json:"platformFeeVat"`
	AdditionalFee        int64            `json:"additionalFee"`
	AdditionalFeeVat     int64            `json:"additionalFeeVat"`
	Discount             int64            `json:"discount"`
	DiscountTaxFree      int64            `json:"discountTaxFree"`
	DiscountShare        int64            `json:"discountShare"`
	DiscountShareTaxFree int64            `json:"discountShareTaxFree"`
	UserDefinedFormulas  map[string]int64 `json:"userDefinedFormulas"`
}

// Product is PortOne's PlatformOrderTransferProduct.
type Product struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Amount        int64  `json:"amount"`
	TaxFreeAmount int64  `json:"taxFreeAmount"`
	Tag           string `json:"tag,omitempty"`
}

// TransferDiscount is PortOne's PlatformOrderTransferDiscount.
type TransferDiscount struct {
	SharePolicy        DiscountSharePolicy `json:"sharePolicy"`
	Amount             int64               `json:"amount"`
	TaxFreeAmount      int64               `json:"taxFreeAmount"`
	ShareAmount        int64               `json:"shareAmount"`
	ShareTaxFreeAmount int64               `json:"shareTaxFreeAmount"`
}

// TransferAdditionalFee is PortOne's PlatformOrderTransferAdditionalFee.
type TransferAdditionalFee struct {
	Policy AdditionalFeePolicy `json:"policy"`
	Amount int64               `json:"amount"`
	Vat    int64               `json:"vat"`
}

// TransferOrderLine is PortOne's PlatformOrderTransferOrderLine.
type TransferOrderLine struct {
	Product        Product                 `json:"product"`
	Quantity       int64                   `json:"quantity"`
	Discounts      []TransferDiscount      `json:"discounts"`
	AdditionalFees []TransferAdditionalFee `json:"additionalFees"`
	Amount         SettlementAmount        `json:"amount"`
}

// PaymentMethod is PortOne's PlatformPaymentMethod (oneOf by type; kept open).
type PaymentMethod struct {
	Type       string `json:"type"`
	Provider   string `json:"provider,omitempty"`
	MethodType string `json:"methodType,omitempty"`
}

// Payment is PortOne's PlatformPayment (oneOf by type: PORT_ONE or EXTERNAL).
type Payment struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	StoreID    string         `json:"storeId,omitempty"`
	ChannelKey string         `json:"channelKey,omitempty"`
	OrderName  string         `json:"orderName,omitempty"`
	Method     *PaymentMethod `json:"method,omitempty"`
	Currency   Currency       `json:"currency"`
	PaidAt     string         `json:"paidAt,omitempty"`
}

// Cancellation is PortOne's PlatformOrderTransferCancellation.
type Cancellation struct {
	ID          string `json:"id"`
	CancelledAt string `json:"cancelledAt"`
}

// Transfer is PortOne's PlatformTransfer, the union of its three branches
// (ORDER, ORDER_CANCEL, MANUAL) by `type`. Fields of other branches stay zero.
type Transfer struct {
	Type                  string                `json:"type"`
	ID                    string                `json:"id"`
	GraphqlID             string                `json:"graphqlId"`
	Partner               json.RawMessage       `json:"partner,omitempty"`
	Status                string                `json:"status"`
	Memo                  string                `json:"memo,omitempty"`
	SettlementDate        string                `json:"settlementDate"`
	SettlementCurrency    Currency              `json:"settlementCurrency"`
	IsForTest             bool                  `json:"isForTest"`
	UserDefinedProperties []UserDefinedProperty `json:"userDefinedProperties"`

	// ORDER and ORDER_CANCEL.
	Amount              *SettlementAmount       `json:"amount,omitempty"`
	Contract            *Contract               `json:"contract,omitempty"`
	Payment             *Payment                `json:"payment,omitempty"`
	SettlementStartDate string                  `json:"settlementStartDate,omitempty"`
	OrderLines          []TransferOrderLine     `json:"orderLines,omitempty"`
	AdditionalFees      []TransferAdditionalFee `json:"additionalFees,omitempty"`
	Discounts           []TransferDiscount      `json:"discounts,omitempty"`
	Parameters          json.RawMessage         `json:"parameters,omitempty"`

	// ORDER_CANCEL.
	Cancellation *Cancellation `json:"cancellation,omitempty"`

	// MANUAL.
	SettlementAmount        *int64 `json:"settlementAmount,omitempty"`
	SettlementTaxFreeAmount *int64 `json:"settlementTaxFreeAmount,omitempty"`

	// Extra keeps the fields this package does not know, re-emitted by
	// MarshalJSON (wire_json.go).
	Extra map[string]json.RawMessage `json:"-"`
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

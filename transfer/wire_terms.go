package transfer

import "encoding/json"

// Wire types of contracts, policies and the platform setting.

// FeeInput is PortOne's PlatformFeeInput: exactly one of FixedRate and FixedAmount.
type FeeInput struct {
	FixedRate   *int64 `json:"fixedRate,omitempty"`
	FixedAmount *int64 `json:"fixedAmount,omitempty"`
}

// Fee is PortOne's PlatformFee (oneOf by type: FIXED_RATE {rate} or FIXED_AMOUNT {amount}).
type Fee struct {
	Type   string `json:"type"`
	Rate   *int64 `json:"rate,omitempty"`
	Amount *int64 `json:"amount,omitempty"`
}

// MonthDay is PortOne's MonthDay.
type MonthDay struct {
	Month int `json:"month"`
	Day   int `json:"day"`
}

// CycleMethodInput is PortOne's PlatformSettlementCycleMethodInput: exactly one branch.
type CycleMethodInput struct {
	Daily       *struct{}         `json:"daily,omitempty"`
	Weekly      *WeeklyInput      `json:"weekly,omitempty"`
	Monthly     *MonthlyInput     `json:"monthly,omitempty"`
	ManualDates *ManualDatesInput `json:"manualDates,omitempty"`
}

// WeeklyInput lists weekdays as SUN..SAT.
type WeeklyInput struct {
	DaysOfWeek []string `json:"daysOfWeek"`
}

// MonthlyInput lists days of month; 31 means the last day.
type MonthlyInput struct {
	DaysOfMonth []int `json:"daysOfMonth"`
}

// ManualDatesInput lists recurring yearly dates.
type ManualDatesInput struct {
	Dates []MonthDay `json:"dates"`
}

// CycleInput is PortOne's PlatformSettlementCycleInput.
type CycleInput struct {
	LagDays    int              `json:"lagDays"`
	DatePolicy string           `json:"datePolicy"`
	Method     CycleMethodInput `json:"method"`
}

// CycleMethod is PortOne's PlatformSettlementCycleMethod (oneOf by type).
type CycleMethod struct {
	Type        string     `json:"type"`
	DaysOfWeek  []string   `json:"daysOfWeek,omitempty"`
	DaysOfMonth []int      `json:"daysOfMonth,omitempty"`
	Dates       []MonthDay `json:"dates,omitempty"`
}

// Cycle is PortOne's PlatformSettlementCycle.
type Cycle struct {
	LagDays    int         `json:"lagDays"`
	DatePolicy string      `json:"datePolicy"`
	Method     CycleMethod `json:"method"`
}

// CreateContractBody is PortOne's CreatePlatformContractBody.
type CreateContractBody struct {
	ID                       string     `json:"id,omitempty"`
	Name                     string     `json:"name"`
	Memo                     string     `json:"memo,omitempty"`
	PlatformFee              FeeInput   `json:"platformFee"`
	SettlementCycle          CycleInput `json:"settlementCycle"`
	PlatformFeeVatPayer      string     `json:"platformFeeVatPayer"`
	SubtractPaymentVatAmount bool       `json:"subtractPaymentVatAmount"`
}

// Contract is PortOne's PlatformContract.
type Contract struct {
	ID                       string `json:"id"`
	GraphqlID                string `json:"graphqlId"`
	Name                     string `json:"name"`
	Memo                     string `json:"memo,omitempty"`
	PlatformFee              Fee    `json:"platformFee"`
	SettlementCycle          Cycle  `json:"settlementCycle"`
	PlatformFeeVatPayer      string `json:"platformFeeVatPayer"`
	SubtractPaymentVatAmount bool   `json:"subtractPaymentVatAmount"`
	IsArchived               bool   `json:"isArchived"`
	AppliedAt                string `json:"appliedAt"`
	IsForTest                bool   `json:"isForTest"`

	// Extra keeps the fields this package does not know, re-emitted by
	// MarshalJSON (wire_json.go).
	Extra map[string]json.RawMessage `json:"-"`
}

// UpdateContractBody is PortOne's UpdatePlatformContractBody: every field
// optional; nil fields are not sent.
type UpdateContractBody struct {
	Name                     *string     `json:"name,omitempty"`
	Memo                     *string     `json:"memo,omitempty"`
	PlatformFee              *FeeInput   `json:"platformFee,omitempty"`
	SettlementCycle          *CycleInput `json:"settlementCycle,omitempty"`
	PlatformFeeVatPayer      *string     `json:"platformFeeVatPayer,omitempty"`
	SubtractPaymentVatAmount *bool       `json:"subtractPaymentVatAmount,omitempty"`
}

// ContractKeyword is PortOne's PlatformContractFilterInputKeyword: set at most one.
type ContractKeyword struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// ContractFilter is PortOne's PlatformContractFilterInput.
type ContractFilter struct {
	PlatformFeePayers []string         `json:"platformFeePayers,omitempty"`
	CycleTypes        []string         `json:"cycleTypes,omitempty"`
	DatePolicies      []string         `json:"datePolicies,omitempty"`
	IsArchived        *bool            `json:"isArchived,omitempty"`
	Keyword           *ContractKeyword `json:"keyword,omitempty"`
}

// CreateDiscountSharePolicyBody is PortOne's CreatePlatformDiscountSharePolicyBody.
type CreateDiscountSharePolicyBody struct {
	ID               string `json:"id,omitempty"`
	Name             string `json:"name"`
	PartnerShareRate int64  `json:"partnerShareRate"`
	Memo             string `json:"memo,omitempty"`
}

// DiscountSharePolicy is PortOne's PlatformDiscountSharePolicy.
type DiscountSharePolicy struct {
	ID               string `json:"id"`
	GraphqlID        string `json:"graphqlId"`
	Name             string `json:"name"`
	PartnerShareRate int64  `json:"partnerShareRate"`
	Memo             string `json:"memo,omitempty"`
	IsArchived       bool   `json:"isArchived"`
	AppliedAt        string `json:"appliedAt"`
	IsForTest        bool   `json:"isForTest"`

	// Extra keeps the fields this package does not know, re-emitted by
	// MarshalJSON (wire_json.go).
	Extra map[string]json.RawMessage `json:"-"`
}

// UpdateDiscountSharePolicyBody is PortOne's UpdatePlatformDiscountSharePolicyBody.
type UpdateDiscountSharePolicyBody struct {
	Name             *string `json:"name,omitempty"`
	PartnerShareRate *int64  `json:"partnerShareRate,omitempty"`
	Memo             *string `json:"memo,omitempty"`
}

// PolicyKeyword is the keyword of the policy filters: set at most one
// (Fee only for additional-fee policies).
type PolicyKeyword struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	Fee  string `json:"fee,omitempty"`
}

// DiscountSharePolicyFilter is PortOne's PlatformDiscountSharePolicyFilterInput.
type DiscountSharePolicyFilter struct {
	IsArchived        *bool          `json:"isArchived,omitempty"`
	PartnerShareRates []int64        `json:"partnerShareRates,omitempty"`
	Keyword           *PolicyKeyword `json:"keyword,omitempty"`
}

// CreateAdditionalFeePolicyBody is PortOne's CreatePlatformAdditionalFeePolicyBody.
type CreateAdditionalFeePolicyBody struct {
	ID       string   `json:"id,omitempty"`
	Name     string   `json:"name"`
	Fee      FeeInput `json:"fee"`
	Memo     string   `json:"memo,omitempty"`
	VatPayer string   `json:"vatPayer"`
}

// AdditionalFeePolicy is PortOne's PlatformAdditionalFeePolicy.
type AdditionalFeePolicy struct {
	ID         string `json:"id"`
	GraphqlID  string `json:"graphqlId"`
	Name       string `json:"name"`
	Fee        Fee    `json:"fee"`
	Memo       string `json:"memo,omitempty"`
	VatPayer   string `json:"vatPayer"`
	IsArchived bool   `json:"isArchived"`
	AppliedAt  string `json:"appliedAt"`
	IsForTest  bool   `json:"isForTest"`

	// Extra keeps the fields this package does not know, re-emitted by
	// MarshalJSON (wire_json.go).
	Extra map[string]json.RawMessage `json:"-"`
}

// UpdateAdditionalFeePolicyBody is PortOne's UpdatePlatformAdditionalFeePolicyBody.
type UpdateAdditionalFeePolicyBody struct {
	Fee      *FeeInput `json:"fee,omitempty"`
	Name     *string   `json:"name,omitempty"`
	Memo     *string   `json:"memo,omitempty"`
	VatPayer *string   `json:"vatPayer,omitempty"`
}

// AdditionalFeePolicyFilter is PortOne's PlatformAdditionalFeePolicyFilterInput.
type AdditionalFeePolicyFilter struct {
	IsArchived *bool          `json:"isArchived,omitempty"`
	VatPayers  []string       `json:"vatPayers,omitempty"`
	Keyword    *PolicyKeyword `json:"keyword,omitempty"`
}

// Setting is PortOne's PlatformSetting.
type Setting struct {
	DefaultWithdrawalMemo                     string `json:"defaultWithdrawalMemo,omitempty"`
	DefaultDepositMemo                        string `json:"defaultDepositMemo,omitempty"`
	SupportsMultipleOrderTransfersPerPartner  bool   `json:"supportsMultipleOrderTransfersPerPartner"`
	AdjustSettlementDateAfterHolidayIfEarlier bool   `json:"adjustSettlementDateAfterHolidayIfEarlier"`
	DeductWht                                 bool   `json:"deductWht"`
	SettlementAmountType                      string `json:"settlementAmountType"`
	IsForTest                                 bool   `json:"isForTest"`
	ManualSettlementPerTransfer               bool   `json:"manualSettlementPerTransfer"`
}

// UpdateSettingBody is PortOne's UpdatePlatformSettingBody: every field
// optional; nil fields are not sent and stay as they are.
type UpdateSettingBody struct {
	DefaultWithdrawalMemo                     *string `json:"defaultWithdrawalMemo,omitempty"`
	DefaultDepositMemo                        *string `json:"defaultDepositMemo,omitempty"`
	SupportsMultipleOrderTransfersPerPartner  *bool   `json:"supportsMultipleOrderTransfersPerPartner,omitempty"`
	AdjustSettlementDateAfterHolidayIfEarlier *bool   `json:"adjustSettlementDateAfterHolidayIfEarlier,omitempty"`
	DeductWht                                 *bool   `json:"deductWht,omitempty"`
	SettlementAmountType                      *string `json:"settlementAmountType,omitempty"`
	ManualSettlementPerTransfer               *bool   `json:"manualSettlementPerTransfer,omitempty"`
}

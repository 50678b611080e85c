package transfer

import (
	"encoding/json"
	"fmt"
)

// Wire types of partner settlements and payouts.

// PartnerSettlementKeyword is PortOne's PlatformPartnerSettlementFilterKeywordInput.
type PartnerSettlementKeyword struct {
	PartnerSettlementID string `json:"partnerSettlementId,omitempty"`
	PayoutID            string `json:"payoutId,omitempty"`
	BulkPayoutID        string `json:"bulkPayoutId,omitempty"`
}

// PartnerSettlementFilter is PortOne's PlatformPartnerSettlementFilterInput.
type PartnerSettlementFilter struct {
	SettlementDates      []string                  `json:"settlementDates,omitempty"`
	ContractIDs          []string                  `json:"contractIds,omitempty"`
	PartnerTags          []string                  `json:"partnerTags,omitempty"`
	SettlementCurrencies []Currency                `json:"settlementCurrencies,omitempty"`
	Statuses             []string                  `json:"statuses,omitempty"`
	PartnerIDs           []string                  `json:"partnerIds,omitempty"`
	SettlementTypes      []string                  `json:"settlementTypes,omitempty"`
	Keyword              *PartnerSettlementKeyword `json:"keyword,omitempty"`
}

// PartnerSettlement is PortOne's PlatformPartnerSettlement, the union of
// ORDER, ORDER_CANCEL and MANUAL by Type. Amount is an amount block for
// ORDER and ORDER_CANCEL and an integer for MANUAL, so it is kept raw; use
// OrderAmount or ManualAmount. Unknown fields are kept in Extra.
type PartnerSettlement struct {
	Type                     string          `json:"type"`
	ID                       string          `json:"id"`
	GraphqlID                string          `json:"graphqlId"`
	Partner                  Partner         `json:"partner"`
	SettlementDate           string          `json:"settlementDate"`
	SettlementCurrency       Currency        `json:"settlementCurrency"`
	Status                   string          `json:"status"`
	StatusUpdatedAt          string          `json:"statusUpdatedAt,omitempty"`
	Memo                     string          `json:"memo,omitempty"`
	Contract                 *Contract       `json:"contract,omitempty"`
	SettlementStartDateRange *DateRange      `json:"settlementStartDateRange,omitempty"`
	Amount                   json.RawMessage `json:"amount"`
	TaxFreeAmount            *int64          `json:"taxFreeAmount,omitempty"`
	IsForTest                bool            `json:"isForTest"`

	Extra map[string]json.RawMessage `json:"-"`
}

// OrderAmount decodes the amount block of an ORDER or ORDER_CANCEL settlement.
func (s PartnerSettlement) OrderAmount() (SettlementAmount, error) {
	var a SettlementAmount
	if err := json.Unmarshal(s.Amount, &a); err != nil {
		return a, fmt.Errorf("partner settlement %s: amount is not a block: %w", s.ID, err)
	}
	return a, nil
}

// ManualAmount decodes the amount of a MANUAL settlement.
func (s PartnerSettlement) ManualAmount() (int64, error) {
	var a int64
	if err := json.Unmarshal(s.Amount, &a); err != nil {
		return 0, fmt.Errorf("partner settlement %s: amount is not an integer: %w", s.ID, err)
	}
	return a, nil
}

// PayoutCriteria is PortOne's PlatformPayoutFilterInputCriteria.
type PayoutCriteria struct {
	TimestampRange                          *DateTimeRange `json:"timestampRange,omitempty"`
	StatusUpdatedTimestampRange             *DateTimeRange `json:"statusUpdatedTimestampRange,omitempty"`
	ScheduledTimestampRange                 *DateTimeRange `json:"scheduledTimestampRange,omitempty"`
	SettlementStatementIssuedTimestampRange *DateTimeRange `json:"settlementStatementIssuedTimestampRange,omitempty"`
	PayoutID                                string         `json:"payoutId,omitempty"`
	BulkPayoutID                            string         `json:"bulkPayoutId,omitempty"`
	TaxInvoiceID                            string         `json:"taxInvoiceId,omitempty"`
	SettlementStatementID                   string         `json:"settlementStatementId,omitempty"`
}

// PayoutFilter is PortOne's PlatformPayoutFilterInput (Criteria is required).
type PayoutFilter struct {
	Statuses                    []string       `json:"statuses,omitempty"`
	PartnerIDs                  []string       `json:"partnerIds,omitempty"`
	Criteria                    PayoutCriteria `json:"criteria"`
	PayoutAccountBanks          []string       `json:"payoutAccountBanks,omitempty"`
	PartnerTags                 []string       `json:"partnerTags,omitempty"`
	PayoutCurrencies            []Currency     `json:"payoutCurrencies,omitempty"`
	PayoutIDs                   []string       `json:"payoutIds,omitempty"`
	TaxInvoiceStatuses          []string       `json:"taxInvoiceStatuses,omitempty"`
	PartnerTypes                []string       `json:"partnerTypes,omitempty"`
	PartnerTaxationTypes        []string       `json:"partnerTaxationTypes,omitempty"`
	SettlementStatementStatuses []string       `json:"settlementStatementStatuses,omitempty"`
}

// PayoutAccount is PortOne's PlatformPayoutAccount; String and Format mask
// the number.
type PayoutAccount struct {
	Bank   string `json:"bank"`
	Number string `json:"number"`
	Holder string `json:"holder"`
}

// String shows the account with its number masked.
func (a PayoutAccount) String() string {
	return fmt.Sprintf("{bank: %s, number: %s, holder: %s}", a.Bank, MaskAccountNumber(a.Number), a.Holder)
}

// GoString is String, for %#v.
func (a PayoutAccount) GoString() string { return "transfer.PayoutAccount" + a.String() }

// Format prints String for every verb.
func (a PayoutAccount) Format(f fmt.State, verb rune) {
	formatMasked(f, verb, a.String(), a.GoString())
}

// SettlementStatement is PortOne's PlatformPayoutSettlementStatementSummary.
type SettlementStatement struct {
	Status   string `json:"status"`
	ID       string `json:"id,omitempty"`
	IssuedAt string `json:"issuedAt,omitempty"`
}

// Payout is PortOne's PlatformPayout. Unknown fields are kept in Extra.
type Payout struct {
	ID                      string              `json:"id"`
	GraphqlID               string              `json:"graphqlId"`
	BulkPayoutID            string              `json:"bulkPayoutId"`
	BulkPayoutGraphqlID     string              `json:"bulkPayoutGraphqlId"`
	Method                  string              `json:"method"`
	Status                  string              `json:"status"`
	StatusUpdatedAt         string              `json:"statusUpdatedAt"`
	Memo                    string              `json:"memo,omitempty"`
	Partner                 Partner             `json:"partner"`
	Account                 PayoutAccount       `json:"account"`
	TaxInvoiceID            string              `json:"taxInvoiceId,omitempty"`
	TaxInvoiceStatus        string              `json:"taxInvoiceStatus"`
	Currency                Currency            `json:"currency"`
	Amount                  int64               `json:"amount"`
	SupplyAmount            int64               `json:"supplyAmount"`
	TaxFreeAmount           int64               `json:"taxFreeAmount"`
	VatAmount               int64               `json:"vatAmount"`
	SettlementAmount        int64               `json:"settlementAmount"`
	SettlementTaxFreeAmount int64               `json:"settlementTaxFreeAmount"`
	IncomeTaxAmount         int64               `json:"incomeTaxAmount"`
	LocalIncomeTaxAmount    int64               `json:"localIncomeTaxAmount"`
	WithdrawalMemo          string              `json:"withdrawalMemo,omitempty"`
	DepositMemo             string              `json:"depositMemo,omitempty"`
	CreatedAt               string              `json:"createdAt"`
	ScheduledAt             string              `json:"scheduledAt,omitempty"`
	FailReason              string              `json:"failReason,omitempty"`
	DeductWht               bool                `json:"deductWht"`
	SettlementAmountType    string              `json:"settlementAmountType"`
	SettlementStatement     SettlementStatement `json:"settlementStatement"`

	Extra map[string]json.RawMessage `json:"-"`
}

package store

import "github.com/settle-dev/settle/settlement"

// GORM models: one struct per table, mapped to and from the settlement
// vocabulary and the record types of this package at the store's boundary.
// Nothing outside store sees them. The schema itself is made by the
// numbered migrations in migrate.go, not by AutoMigrate; TestModelsMatchSchema
// checks that every model column exists.

type partnerRow struct {
	ID                int64 `gorm:"primaryKey"`
	PartnerID         settlement.PartnerID
	Name              string
	DefaultContractID string
	RawJSON           string `gorm:"column:raw_json"`
	Hash              string
	CreatedAt         instant `gorm:"autoCreateTime:false"`
	UpdatedAt         instant `gorm:"autoUpdateTime:false"`
}

func (partnerRow) TableName() string { return "partners" }

type contractRow struct {
	ID                 int64 `gorm:"primaryKey"`
	ContractID         string
	Version            int64
	Name               string
	FeeKind            string
	FeeRate            int64
	FeeAmount          int64
	FeeVatPayer        string
	SubtractPaymentVat int64
	CycleJSON          string `gorm:"column:cycle_json"`
	AppliedAt          string
	RawJSON            string `gorm:"column:raw_json"`
	Hash               string
	RecordedAt         instant
}

func (contractRow) TableName() string { return "contracts" }

type discountSharePolicyRow struct {
	ID               int64 `gorm:"primaryKey"`
	PolicyID         string
	Version          int64
	Name             string
	PartnerShareRate int64
	AppliedAt        string
	RawJSON          string `gorm:"column:raw_json"`
	Hash             string
	RecordedAt       instant
}

func (discountSharePolicyRow) TableName() string { return "discount_share_policies" }

type additionalFeePolicyRow struct {
	ID         int64 `gorm:"primaryKey"`
	PolicyID   string
	Version    int64
	Name       string
	FeeKind    string
	FeeRate    int64
	FeeAmount  int64
	VatPayer   string
	AppliedAt  string
	RawJSON    string `gorm:"column:raw_json"`
	Hash       string
	RecordedAt instant
}

func (additionalFeePolicyRow) TableName() string { return "additional_fee_policies" }

type orderRow struct {
	ID                  int64 `gorm:"primaryKey"`
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	ContractID          string
	ContractVersion     int64
	HasLines            int64
	OrderAmount         int64
	TaxFree             *int64
	SettlementStartDate day
	SettlementDate      day
	PaidAt              instant
	BusinessDate        day
	RequestJSON         string `gorm:"column:request_json"`
	RequestHash         string
	Source              string
	ReceivedAt          instant
	Detail              []byte // lines, discounts and fees (detail.go)
	Settled             int64  `gorm:"<-:false"` // set only by markSettled, in the settlement's transaction
	Generation          int64  `gorm:"<-:false"` // set only by assignGenerations (correct.go)
	OrderName           string // externalPaymentDetail.orderName, for the workbook (migration 18)
}

func (orderRow) TableName() string { return "orders" }

type cancellationRow struct {
	ID                  int64 `gorm:"primaryKey"`
	PartnerID           settlement.PartnerID
	CancellationID      settlement.CancellationID
	PaymentID           settlement.PaymentID
	TransferID          settlement.TransferID
	OrderRef            *int64
	Form                string
	OrderAmount         int64
	TaxFree             *int64
	SettlementStartDate day
	SettlementDate      day
	CancelledAt         instant
	BusinessDate        day
	RequestJSON         string `gorm:"column:request_json"`
	RequestHash         string
	Source              string
	WebhookID           string
	ReceivedAt          instant
	Detail              []byte // lines and discounts (detail.go)
	Settled             int64  `gorm:"<-:false"` // set only by markSettled, in the settlement's transaction
	Generation          int64  `gorm:"<-:false"` // set only by assignGenerations (correct.go)
}

func (cancellationRow) TableName() string { return "cancellations" }

type settlementRow struct {
	ID              int64        `gorm:"primaryKey"`
	Transfer        transferCols `gorm:"embedded"`
	OrderRef        *int64
	CancellationRef *int64
	ContractVersion int64
	PolicyVersions  string
	RulesVersion    string
	BusinessDate    day
	Hash            string
	ComputedAt      instant
}

func (settlementRow) TableName() string { return "settlements" }

type settlementLineRow struct {
	ID            int64 `gorm:"primaryKey"`
	SettlementRef int64
	Line          lineCols `gorm:"embedded"`
}

func (settlementLineRow) TableName() string { return "settlement_lines" }

// transferCols are the columns of a stored transfer, ours (settlements) and
// PortOne's answer (portone_transfers) alike, so that one loader reads both
// into a settlement.Transfer (loadTransfers).
type transferCols struct {
	PartnerID           settlement.PartnerID
	PaymentID           settlement.PaymentID
	Kind                string
	CancellationID      settlement.CancellationID
	ContractID          string
	SettlementStartDate day
	SettlementDate      day
	Amounts             settlement.Amounts `gorm:"embedded;embeddedPrefix:a_"`
	DetailJSON          string             `gorm:"column:detail_json"` // order-level discounts and fees
	// CompareDigest is settlement.Transfer.CompareDigest of the transfer
	// as stored ("" for rows stored before it was kept).
	CompareDigest string
}

// lineCols are the columns of a line block of a stored transfer, ours
// (settlement_lines) and PortOne's (portone_transfer_lines) alike.
type lineCols struct {
	LineNo              int64
	ProductID           string
	ProductName         string
	Quantity            int64
	SettlementStartDate day
	SettlementDate      day
	Amounts             settlement.Amounts `gorm:"embedded;embeddedPrefix:a_"`
	DetailJSON          string             `gorm:"column:detail_json"` // the line's discounts and fees
}

type intentRow struct {
	ID                int64 `gorm:"primaryKey"`
	IntentID          settlement.TransferID
	PartnerID         settlement.PartnerID
	PaymentID         settlement.PaymentID
	Kind              string
	CancellationID    settlement.CancellationID
	SettlementRef     *int64
	BusinessDate      day
	RequestJSON       string `gorm:"column:request_json"`
	RequestHash       string
	Status            string
	Attempts          int64
	LastError         string
	ClaimOwner        string
	LeaseExpiresMS    int64                 `gorm:"column:lease_expires_ms"`
	NotBeforeMS       int64                 `gorm:"column:not_before_ms"`
	PortOneTransferID settlement.TransferID `gorm:"column:portone_transfer_id"`
	CreatedAt         instant               `gorm:"autoCreateTime:false"`
	UpdatedAt         instant               `gorm:"autoUpdateTime:false"`
}

func (intentRow) TableName() string { return "transfer_intents" }

type portoneTransferRow struct {
	ID         int64                 `gorm:"primaryKey"`
	TransferID settlement.TransferID `gorm:"column:transfer_id"`
	IntentRef  *int64
	Transfer   transferCols `gorm:"embedded"`
	Status     string
	Negated    int64
	RawJSON    string `gorm:"column:raw_json"`
	RecordedAt instant
	UpdatedAt  instant `gorm:"autoUpdateTime:false"`
}

func (portoneTransferRow) TableName() string { return "portone_transfers" }

type portoneLineRow struct {
	ID                 int64    `gorm:"primaryKey"`
	PortoneTransferRef int64    `gorm:"column:portone_transfer_ref"`
	Line               lineCols `gorm:"embedded"`
}

func (portoneLineRow) TableName() string { return "portone_transfer_lines" }

type statusHistoryRow struct {
	ID         int64 `gorm:"primaryKey"`
	TransferID settlement.TransferID
	IntentID   settlement.TransferID
	PartnerID  settlement.PartnerID
	FromStatus string
	ToStatus   string
	Source     string
	ObservedAt instant
}

func (statusHistoryRow) TableName() string { return "transfer_status_history" }

type mismatchRow struct {
	ID           int64 `gorm:"primaryKey"`
	BusinessDate day
	PartnerID    settlement.PartnerID
	PaymentID    settlement.PaymentID
	IntentID     settlement.TransferID
	TransferID   settlement.TransferID
	ProductID    string
	Reason       string
	Field        string
	LocalValue   int64
	PortoneValue int64
	Diff         int64
	LocalText    string
	PortoneText  string
	RecordedAt   instant
}

func (mismatchRow) TableName() string { return "mismatches" }

type rejectedRow struct {
	ID         int64 `gorm:"primaryKey"`
	Source     string
	File       string
	Line       int64
	PartnerID  settlement.PartnerID
	RecordKey  string
	Payload    string
	Reason     string
	Field      string
	ErrorType  string
	ReceivedAt instant
	DedupHash  string
}

func (rejectedRow) TableName() string { return "rejected_records" }

type webhookRow struct {
	ID             int64 `gorm:"primaryKey"`
	WebhookID      string
	EventType      string
	PaymentID      settlement.PaymentID
	CancellationID settlement.CancellationID
	SentAt         instant
	RawJSON        string `gorm:"column:raw_json"`
	ReceivedAt     instant
	ProcessedAt    instant
	ProcessError   string
}

func (webhookRow) TableName() string { return "webhook_events" }

type jobRunRow struct {
	ID             int64 `gorm:"primaryKey"`
	Job            string
	BusinessDate   day
	Status         string
	CountsJSON     string `gorm:"column:counts_json"`
	Checkpoint     string
	Error          string
	StartedAt      instant
	FinishedAt     instant
	Owner          string
	LeaseExpiresMS int64 `gorm:"column:lease_expires_ms"`
	Attempts       int64
}

func (jobRunRow) TableName() string { return "job_runs" }

// allModels lists every model, for TestModelsMatchSchema.
var allModels = []any{
	&partnerRow{}, &contractRow{}, &discountSharePolicyRow{}, &additionalFeePolicyRow{},
	&orderRow{}, &cancellationRow{},
	&settlementRow{}, &settlementLineRow{}, &intentRow{}, &portoneTransferRow{}, &portoneLineRow{},
	&statusHistoryRow{}, &mismatchRow{}, &rejectedRow{}, &webhookRow{}, &jobRunRow{}, &settingRow{},
}

// settingRow is PortOne's platform setting as last refreshed (migration 3).
type settingRow struct {
	ID                     int64 `gorm:"primaryKey"`
	Environment            string
	AdjustEarlierToNextDay int64
	MultipleOrderTransfers int64
	RawJSON                string  `gorm:"column:raw_json"`
	UpdatedAt              instant `gorm:"autoUpdateTime:false"`
}

func (settingRow) TableName() string { return "platform_settings" }

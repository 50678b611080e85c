package settlement

// TransferStatus is PortOne's PlatformTransferStatus. PortOne may add values;
// an unknown one is kept as it came and reported by Known.
type TransferStatus string

// The transfer statuses PortOne documents, in lifecycle order.
const (
	StatusScheduled       TransferStatus = "SCHEDULED"        // before settlementStartDate
	StatusInProcess       TransferStatus = "IN_PROCESS"       // from the start date until the settlement date
	StatusSettled         TransferStatus = "SETTLED"          // settlement date reached
	StatusPayoutConfirmed TransferStatus = "PAYOUT_CONFIRMED" // included in a payout
	StatusInPayout        TransferStatus = "IN_PAYOUT"
	StatusPaidOut         TransferStatus = "PAID_OUT"
)

var statusRank = map[TransferStatus]int{
	StatusScheduled: 1, StatusInProcess: 2, StatusSettled: 3,
	StatusPayoutConfirmed: 4, StatusInPayout: 5, StatusPaidOut: 6,
}

// Known reports whether s is one of the documented statuses.
func (s TransferStatus) Known() bool { return statusRank[s] > 0 }

// CanTransition reports whether a transfer may move from one status to
// another: forward only along the lifecycle. Unknown statuses may move
// anywhere, because we cannot know PortOne's rules for them.
func CanTransition(from, to TransferStatus) bool {
	rf, rt := statusRank[from], statusRank[to]
	if rf == 0 || rt == 0 {
		return true
	}
	return rt >= rf
}

// Deletable reports whether PortOne lets a transfer in status s be deleted
// (SCHEDULED and IN_PROCESS per the schema, SETTLED since 2026-03).
func (s TransferStatus) Deletable() bool {
	return s == StatusScheduled || s == StatusInProcess || s == StatusSettled
}

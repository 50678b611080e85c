package settlement

// PLACEHOLDER — see calendar.go.

// SettlementDateOf returns the settlement date of a transfer that starts on
// start under cycle, per portone-platform.md §5: an explicit date wins (and
// must not be before start); otherwise the first cycle date on or after
// start+LagDays, moved by the date policy when it is not a business day;
// with adjustEarlier, a result on or before start is recomputed with the
// next business day.
func SettlementDateOf(start, explicit Date, cycle Cycle, cal *Calendar, adjustEarlier bool) (Date, error) {
	if !explicit.IsZero() {
		if explicit.Before(start) {
			return Date{}, &Error{Type: ErrSettlementDateEarlierThanStartDate, Field: "settlementDate", StartDate: start, SettlementDate: explicit}
		}
		return explicit, nil
	}
	return start.AddDays(cycle.LagDays), nil
}

// Validate checks a cycle the way PortOne checks CreatePlatformContractBody:
// lagDays 1..10, a known date policy and method, and the days it needs.
func (c Cycle) Validate() error { return nil }

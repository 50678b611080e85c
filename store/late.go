package store

import (
	"context"
	"fmt"

	"github.com/settle-dev/settle/settlement"
)

// Late records are orders and cancellations of a business date whose
// settle run was already done when they arrived (a backend posting
// yesterday's order this morning). The next run settles them; see
// jobs.Settle.

// lateWhere selects, for table t, the records of business dates from..to
// that have no settlement, whose date's run of job is done, and that the
// pipeline has not rejected (a rejected record is not retried every
// night; a forced rerun of its date retries it).
const lateWhere = `business_date >= ? AND business_date <= ?
	AND EXISTS (SELECT 1 FROM job_runs jr WHERE jr.job = ? AND jr.business_date = %[1]s.business_date AND jr.status = ?)
	AND NOT EXISTS (SELECT 1 FROM rejected_records rr WHERE rr.source = ? AND rr.partner_id = %[1]s.partner_id AND rr.record_key = %[2]s)`

// LateOrders calls fn for each late order of business dates from..to:
// unsettled, not rejected by the pipeline, and of a date whose run of job
// is done.
func (s *Store) LateOrders(ctx context.Context, from, to settlement.Date, job string, fn func(*OrderRecord) error) error {
	where := fmt.Sprintf(lateWhere, "orders", "orders.payment_id") +
		" AND NOT EXISTS (SELECT 1 FROM settlements st WHERE st.partner_id = orders.partner_id AND st.payment_id = orders.payment_id AND st.kind = ?)"
	return s.walkOrders(ctx, s.w(ctx).Where(where, day(from), day(to), job, string(RunDone), string(SourcePipeline), string(settlement.KindOrder)), fn)
}

// LateCancellations is LateOrders for cancellations, in cancelledAt order.
func (s *Store) LateCancellations(ctx context.Context, from, to settlement.Date, job string, fn func(*CancellationRecord) error) error {
	where := fmt.Sprintf(lateWhere, "cancellations", "cancellations.cancellation_id") +
		" AND NOT EXISTS (SELECT 1 FROM settlements st WHERE st.partner_id = cancellations.partner_id AND st.payment_id = cancellations.payment_id AND st.kind = ? AND st.cancellation_id = cancellations.cancellation_id)"
	return s.walkCancellations(ctx, where, []any{day(from), day(to), job, string(RunDone), string(SourcePipeline), string(settlement.KindOrderCancel)}, fn)
}

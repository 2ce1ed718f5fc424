package inventory

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/neogenesys/console/internal/store"
)

// metricsRegisterer is where the engine's metrics go (a prometheus.Registry).
type metricsRegisterer interface {
	MustRegister(...prometheus.Collector)
}

type metrics struct {
	duration *prometheus.HistogramVec
	vms      *prometheus.GaugeVec
	errors   *prometheus.CounterVec
	success  *prometheus.GaugeVec

	mu     sync.Mutex
	labels map[int64][]string
}

func newMetrics(reg metricsRegisterer) *metrics {
	labels := []string{"provider", "cloud"}
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "neoconsole_inventory_sync_duration_seconds",
			Help: "Time to list one cloud account.", Buckets: prometheus.ExponentialBuckets(0.05, 2, 12)}, labels),
		vms: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "neoconsole_inventory_vms",
			Help: "VMs present in one cloud account after its last sync."}, labels),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "neoconsole_inventory_sync_errors_total",
			Help: "Syncs of one cloud account that failed."}, labels),
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "neoconsole_inventory_last_success_timestamp_seconds",
			Help: "When one cloud account last synced successfully (staleness = time() - this)."}, labels),
		labels: map[int64][]string{},
	}
	if reg != nil {
		reg.MustRegister(m.duration, m.vms, m.errors, m.success)
	}
	return m
}

func (m *metrics) observe(a store.CloudAccount, st AccountStatus, took time.Duration, err error) {
	l := []string{a.Kind, strconv.FormatInt(a.ID, 10)}
	m.mu.Lock()
	m.labels[a.ID] = l
	m.mu.Unlock()
	m.duration.WithLabelValues(l...).Observe(took.Seconds())
	m.vms.WithLabelValues(l...).Set(float64(st.VMs))
	if err != nil && st.Stale {
		m.errors.WithLabelValues(l...).Inc()
	}
	if !st.LastSuccess.IsZero() {
		m.success.WithLabelValues(l...).Set(float64(st.LastSuccess.UnixMilli()) / 1000)
	}
}

func (m *metrics) forget(cloudID int64) {
	m.mu.Lock()
	l, ok := m.labels[cloudID]
	delete(m.labels, cloudID)
	m.mu.Unlock()
	if !ok {
		return
	}
	m.duration.DeleteLabelValues(l...)
	m.vms.DeleteLabelValues(l...)
	m.errors.DeleteLabelValues(l...)
	m.success.DeleteLabelValues(l...)
}

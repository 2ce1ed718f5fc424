package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	keysMinted prometheus.Counter
	handler    http.Handler
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "neoconsole_http_requests_total", Help: "HTTP requests by route, method and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "neoconsole_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		keysMinted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "neoconsole_preauthkeys_minted_total", Help: "Pre-auth keys minted through the console.",
		}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.keysMinted,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil {
			if _, dup := err.(prometheus.AlreadyRegisteredError); !dup {
				return nil, err
			}
		}
	}
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m, nil
}

func (m *metrics) observe(rt route, status int, d time.Duration) {
	m.requests.WithLabelValues(rt.Pattern(), strconv.Itoa(status)).Inc()
	if !rt.stream {
		m.latency.WithLabelValues(rt.Pattern()).Observe(d.Seconds())
	}
}

// KeyMinted counts one pre-auth key.
func (m *metrics) KeyMinted() { m.keysMinted.Inc() }

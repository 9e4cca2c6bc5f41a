package main

import (
	"math/bits"
	"time"
)

// Histogram records durations in logarithmic buckets, like HdrHistogram:
// values below 2^subBits nanoseconds are exact, larger ones keep their top
// subBits+1 significant bits, so every recorded value is known to within
// 1/2^(subBits-1) (under 1%). It records every observation, so percentiles come
// from the full distribution, not from a sample. The zero value is ready to
// use; it is not safe for concurrent use (give each worker its own and Merge).
type Histogram struct {
	counts   [numBuckets]uint64
	n        uint64
	sum      time.Duration
	min, max time.Duration
}

const (
	subBits    = 8            // significant bits kept per value
	subCount   = 1 << subBits // exact values 0..subCount-1
	halfCount  = subCount / 2 // buckets per power of two above that
	numBuckets = subCount + (64-subBits)*halfCount
)

// bucketOf returns the bucket index of v nanoseconds.
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	r := bits.Len64(v) - subBits // >= 1; v>>r is in [halfCount, subCount)
	return subCount + (r-1)*halfCount + int(v>>r) - halfCount
}

// bucketBounds returns the smallest and largest value bucket i holds.
func bucketBounds(i int) (lo, hi uint64) {
	if i < subCount {
		return uint64(i), uint64(i)
	}
	r := (i-subCount)/halfCount + 1
	mant := uint64((i-subCount)%halfCount + halfCount)
	lo = mant << r
	return lo, lo + (1 << r) - 1
}

// Record adds one observation.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the mean observation, or 0 if there is none.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Max returns the largest observation.
func (h *Histogram) Max() time.Duration { return h.max }

// Min returns the smallest observation.
func (h *Histogram) Min() time.Duration { return h.min }

// Quantile returns the value below or at which a fraction q (0..1) of the
// observations lie: the midpoint of the bucket holding the ceil(q*n)-th
// smallest observation, clamped to the exact minimum and maximum.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.999999999)
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketBounds(i)
			v := time.Duration(lo + (hi-lo)/2)
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

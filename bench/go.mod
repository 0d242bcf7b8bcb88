module github.com/haivivi/giztoy/bench

go 1.26.0

replace github.com/haivivi/giztoy => ../

require (
	github.com/haivivi/giztoy v0.0.0-00010101000000-000000000000
	github.com/pion/interceptor v0.1.51
	github.com/pion/rtp v1.10.6
)

require (
	github.com/pion/logging v0.2.4 // indirect
	github.com/pion/randutil v0.1.0 // indirect
	github.com/pion/rtcp v1.2.20 // indirect
)

package main

func plotTimeline(name string, r *simResult) error { return nil }

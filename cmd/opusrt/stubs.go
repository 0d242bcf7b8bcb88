package main

import "github.com/spf13/cobra"

func newSendCmd(e *env) *cobra.Command { return &cobra.Command{Use: "send"} }
func newRecvCmd(e *env) *cobra.Command { return &cobra.Command{Use: "recv"} }

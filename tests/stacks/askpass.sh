#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# SSH_ASKPASS for test_stack_sshd.sh: ssh runs it once per
# keyboard-interactive prompt, the prompt text in $1. It records the prompt
# and answers (OpenSSH puts "(user@host) " before the PAM prompt): a
# verification code prompt with STK_ANSWER ("right": the current code of
# STK_KEY, computed now; anything else: that text), a password prompt with
# STK_PASSWORD. Any other prompt is refused.
set -euo pipefail
printf '%s\n' "$1" >>"$STK_PROMPTS"
case $1 in
*"Verification code: ")
	if [ "$STK_ANSWER" = right ]; then
		oathtool --totp -b "$STK_KEY"
	else
		printf '%s\n' "$STK_ANSWER"
	fi
	;;
*assword*)
	printf '%s\n' "$STK_PASSWORD"
	;;
*)
	exit 1
	;;
esac

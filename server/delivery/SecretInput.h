#pragma once

#include <QString>

struct Config;

// `gatehoused --store-secret smtp-password|sms-auth-token`: reads the value from standard input
// (one line from a terminal, with echo off; everything from a pipe, one trailing newline
// dropped) and writes it to this instance's secret store. The value is never printed or logged.
namespace SecretInput {
// The process exit code: 0 stored, 1 the store failed, 2 no or an oversize value.
int storeFromStdin(const QString &program, const Config &config, const QString &name);
} // namespace SecretInput

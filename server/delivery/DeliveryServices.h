#pragma once

#include "models/common/Result.h"

class SecretStore;
struct AppServices;
struct Config;

// Start-up wiring of the mailer and the SMS sender into AppServices (AppServicesBuilder calls
// it): reads smtp-password and sms-auth-token from the secret store when the configuration
// needs them, and refuses to start on a half configuration (CONFIG_INVALID naming what is
// missing and how to provide it), rather than failing on the first code someone requests.
namespace DeliveryServices {
inline constexpr const char *kSmtpPasswordSecret = "smtp-password";
inline constexpr const char *kSmsTokenSecret = "sms-auth-token";
Status build(const Config &config, SecretStore &secrets, AppServices &services);
} // namespace DeliveryServices

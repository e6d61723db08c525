package io.jobfleet.common.error;

/** A setting is missing or wrong; the message names the setting and the bad value. */
public class ConfigException extends JobfleetException {
    public ConfigException(String message) {
        super("config", message);
    }
}

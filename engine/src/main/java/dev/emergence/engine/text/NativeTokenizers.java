package dev.emergence.engine.text;

/**
 * Settings for DJL before it first loads its native tokenizers library. DJL reports usage by
 * querying the cloud-instance metadata address when it thinks it runs on EC2; a desktop studio
 * working offline should make no such request, so that is switched off unless the user set it.
 */
final class NativeTokenizers {
    private static final String OPT_OUT = "OPT_OUT_TRACKING";

    private NativeTokenizers() {
    }

    static synchronized void prepare() {
        if (System.getenv(OPT_OUT) == null && System.getProperty(OPT_OUT) == null) {
            System.setProperty(OPT_OUT, "true");
        }
    }
}

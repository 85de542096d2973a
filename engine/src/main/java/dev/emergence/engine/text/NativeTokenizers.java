package dev.emergence.engine.text;

/**
 * Settings for DJL before it first loads its native tokenizers library, unless the user set them.
 * Offline mode makes DJL use the CPU library bundled in its jar: on a machine with CUDA it would
 * otherwise try to download a CUDA build (tokenizing gains nothing from a GPU, and the studio
 * must work without a network). It also stops DJL's usage report, which probes the cloud-instance
 * metadata address.
 */
final class NativeTokenizers {
    private NativeTokenizers() {
    }

    static synchronized void prepare() {
        setUnlessGiven("DJL_OFFLINE", "ai.djl.offline", "true");
        setUnlessGiven("OPT_OUT_TRACKING", "OPT_OUT_TRACKING", "true");
    }

    private static void setUnlessGiven(String env, String property, String value) {
        if (System.getenv(env) == null && System.getProperty(property) == null) {
            System.setProperty(property, value);
        }
    }
}

package dev.emergence.engine.runtime;

/**
 * Which device the models actually run on, and why, for the app and the CLI to show.
 *
 * @param device "cpu" or "cuda:N"
 * @param reason one line: why this device (e.g. "CUDA unavailable: libcudnn.so.9 not found; running on CPU")
 */
public record DeviceReport(String device, String reason) {

    public static DeviceReport cpu(String reason) {
        return new DeviceReport("cpu", reason);
    }

    public static DeviceReport cuda(int deviceId, String reason) {
        return new DeviceReport("cuda:" + deviceId, reason);
    }

    public boolean onCuda() {
        return device.startsWith("cuda");
    }

    @Override
    public String toString() {
        return device + " (" + reason + ")";
    }
}

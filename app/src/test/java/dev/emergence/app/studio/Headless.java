package dev.emergence.app.studio;

/**
 * Runs the UI tests on Monocle's headless glass (no display needed; the screen is 1280×800, the
 * smallest size the studio is made for) unless {@code -Dstudio.test.headless=false} asks for the
 * real display (under Xvfb on CI, or to watch the tests).
 */
final class Headless {
    private Headless() {
    }

    static void setup() {
        if ("false".equalsIgnoreCase(System.getProperty("studio.test.headless", "true"))) return;
        System.setProperty("testfx.robot", "glass");
        System.setProperty("testfx.headless", "true");
        System.setProperty("glass.platform", "Monocle");
        System.setProperty("monocle.platform", "Headless");
        System.setProperty("prism.order", "sw");
        System.setProperty("prism.text", "t2k");
        System.setProperty("java.awt.headless", "true");
        System.setProperty("monocle.headless.geometry", System.getProperty("studio.test.screen", "1280x800-32"));
    }
}

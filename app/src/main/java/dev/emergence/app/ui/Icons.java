package dev.emergence.app.ui;

import javafx.scene.control.ButtonBase;
import javafx.scene.control.Tooltip;
import javafx.util.Duration;
import org.kordamp.ikonli.javafx.FontIcon;

/** Material Design icons (Ikonli) and the tooltips that name each control's shortcut. */
public final class Icons {
    private Icons() {
    }

    public static FontIcon icon(String literal) {
        FontIcon i = new FontIcon(literal);
        i.getStyleClass().add("icon");
        return i;
    }

    /** Gives a button its icon and a tooltip "Brush (B)". */
    public static <B extends ButtonBase> B decorate(B button, String literal, String tip, String shortcut) {
        button.setGraphic(icon(literal));
        tooltip(button, shortcut == null ? tip : tip + "  (" + shortcut + ")");
        return button;
    }

    public static void tooltip(javafx.scene.control.Control c, String text) {
        Tooltip t = new Tooltip(text);
        t.setShowDelay(Duration.millis(350));
        c.setTooltip(t);
    }
}

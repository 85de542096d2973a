package dev.emergence.app.ui;

import javafx.animation.PauseTransition;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.util.Duration;
import org.controlsfx.control.NotificationPane;

/**
 * In-window notifications (a bar that slides in over the work area and hides itself): one at a
 * time, the newest replacing the last, so a burst of errors never becomes a storm of dialogs.
 * Every message is also kept in {@link #messages()}.
 */
public final class Notifier {
    public enum Kind { INFO, ERROR }

    private final NotificationPane pane;
    private final PauseTransition autoHide = new PauseTransition(Duration.seconds(7));
    private final ReadOnlyStringWrapper last = new ReadOnlyStringWrapper("");
    private final ObservableList<String> messages = FXCollections.observableArrayList();

    public Notifier(NotificationPane pane) {
        this.pane = pane;
        pane.getStyleClass().add(NotificationPane.STYLE_CLASS_DARK);
        autoHide.setOnFinished(e -> pane.hide());
    }

    /** Shows a message; call on the FX thread. */
    public void show(Kind kind, String message) {
        last.set(message);
        messages.add(message);
        pane.getStyleClass().removeAll("notify-error", "notify-info");
        pane.getStyleClass().add(kind == Kind.ERROR ? "notify-error" : "notify-info");
        pane.show(message, Icons.icon(kind == Kind.ERROR ? "mdi2a-alert-circle-outline" : "mdi2i-information-outline"));
        autoHide.playFromStart();
    }

    public void error(String message) { show(Kind.ERROR, message); }

    public void info(String message) { show(Kind.INFO, message); }

    public ReadOnlyStringProperty lastMessageProperty() { return last.getReadOnlyProperty(); }

    public ObservableList<String> messages() { return messages; }
}

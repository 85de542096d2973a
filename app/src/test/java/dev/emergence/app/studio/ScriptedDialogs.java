package dev.emergence.app.studio;

import dev.emergence.app.ui.FileDialogs;
import javafx.stage.Window;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/** File dialogs that answer what the test queued (native dialogs cannot be driven headless). */
final class ScriptedDialogs implements FileDialogs {
    /** How many times a picture was asked for. */
    final java.util.concurrent.atomic.AtomicInteger openImageAsked = new java.util.concurrent.atomic.AtomicInteger();
    final Deque<Path> openAnswers = new ArrayDeque<>();
    final Deque<Path> saveAnswers = new ArrayDeque<>();
    final Deque<Path> folderAnswers = new ArrayDeque<>();
    final Deque<Path> projectAnswers = new ArrayDeque<>();

    @Override
    public Optional<Path> openImage(Window owner) {
        openImageAsked.incrementAndGet();
        return Optional.ofNullable(openAnswers.poll());
    }

    @Override
    public Optional<Path> savePng(Window owner, String suggestedName) {
        return Optional.ofNullable(saveAnswers.poll());
    }

    @Override
    public Optional<Path> saveProject(Window owner, String suggestedName) {
        return Optional.ofNullable(projectAnswers.poll());
    }

    @Override
    public Optional<Path> modelFolder(Window owner) {
        return Optional.ofNullable(folderAnswers.poll());
    }
}

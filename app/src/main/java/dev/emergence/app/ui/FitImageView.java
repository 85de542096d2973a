package dev.emergence.app.ui;

import javafx.beans.property.ObjectProperty;
import javafx.scene.image.Image;
import javafx.scene.image.ImageView;
import javafx.scene.layout.Region;

/**
 * A picture scaled to fit whatever space its parent gives, centred, aspect kept. Unlike a bare
 * ImageView it asks for no size of its own, so pictures side by side share the space equally.
 * Small pictures are drawn with crisp pixels when enlarged a lot (a 64-pixel preview stays legible).
 */
public final class FitImageView extends Region {
    private final ImageView view = new ImageView();

    public FitImageView() {
        view.setPreserveRatio(true);
        view.setManaged(false);
        getChildren().add(view);
        view.imageProperty().addListener((o, a, b) -> requestLayout());
    }

    public ObjectProperty<Image> imageProperty() { return view.imageProperty(); }

    public ImageView imageView() { return view; }

    @Override
    protected double computePrefWidth(double height) { return 0; }

    @Override
    protected double computePrefHeight(double width) { return 0; }

    @Override
    protected double computeMinWidth(double height) { return 0; }

    @Override
    protected double computeMinHeight(double width) { return 0; }

    @Override
    protected void layoutChildren() {
        Image img = view.getImage();
        double w = getWidth(), h = getHeight();
        if (img == null || w <= 0 || h <= 0) return;
        double k = Math.min(w / img.getWidth(), h / img.getHeight());
        double dw = img.getWidth() * k, dh = img.getHeight() * k;
        view.setFitWidth(dw);
        view.setFitHeight(dh);
        view.setSmooth(k < 3);
        view.relocate(snapPositionX((w - dw) / 2), snapPositionY((h - dh) / 2));
    }
}

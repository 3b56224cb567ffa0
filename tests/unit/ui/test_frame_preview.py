"""The grid over the bookmark dialog's picture (ui/bookmark_dialog.py FramePreview): a click marks
or unmarks the cell under the mouse, a drag does the same to every cell it passes, and a change of
rows × cols keeps the marks still on the grid."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from faceter_viewer.ui.bookmark_dialog import FramePreview


def preview(qtbot, image: QImage | None = None) -> FramePreview:
    if image is None:
        image = QImage(640, 360, QImage.Format.Format_RGB32)
        image.fill(QColor("#405060"))
    widget = FramePreview(image)
    qtbot.addWidget(widget)
    widget.resize(400, 300)  # taller than 16:9: the picture is letterboxed
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def centre(widget: FramePreview, index: int) -> QPoint:
    return widget.cell_rect(index).center().toPoint()


def test_a_click_toggles_the_cell_under_the_mouse(qtbot):
    widget = preview(qtbot)
    assert widget.grid_marks() is None
    widget.set_grid(2, 3)
    picture = widget.picture_rect()
    assert round(picture.width()) == 400 and round(picture.height()) == 225  # aspect kept
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=centre(widget, 4))
    assert widget.grid_marks().cells == (0, 0, 0, 0, 1, 0)
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=centre(widget, 4))
    assert widget.grid_marks().cells == (0,) * 6
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=QPoint(200, 10))  # the black band
    assert widget.grid_marks().marked == 0


def test_a_drag_marks_every_cell_it_passes_and_new_sizes_keep_marks(qtbot):
    widget = preview(qtbot)
    widget.set_grid(2, 4)
    QTest.mousePress(widget, Qt.MouseButton.LeftButton, pos=centre(widget, 0))
    for index in (1, 2, 3):
        QTest.mouseMove(widget, centre(widget, index))
    QTest.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=centre(widget, 3))
    assert widget.grid_marks().cells == (1, 1, 1, 1, 0, 0, 0, 0)
    widget.set_grid(3, 2)  # (0,0), (0,1) are still on the grid
    assert widget.grid_marks().cells == (1, 1, 0, 0, 0, 0)
    widget.set_grid(0, 0)
    assert widget.grid_marks() is None


def test_without_a_picture_the_grid_still_works_on_a_placeholder(qtbot):
    widget = preview(qtbot, QImage())
    assert not widget.has_picture
    widget.set_grid(1, 2)
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=centre(widget, 1))
    assert widget.grid_marks().cells == (0, 1)

/* kdist_plot.c — draws the k-distance curve that eps is chosen from, as PNG or SVG (cairo), so
 * an analyst can see whether the knee is a real elbow or an accident of the data: the sorted
 * distances to each row's k-th neighbour, a dashed line at eps and a marker at the knee.
 *
 * The curve can have millions of points; it is monotone, so one point per pixel column draws
 * it exactly and keeps the SVG small. */
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cluster/numeric.h"

enum { PLOT_W = 900, PLOT_H = 560, MARGIN_L = 90, MARGIN_R = 30, MARGIN_T = 60, MARGIN_B = 70 };
enum { TITLE_MAX = 120 };

typedef struct plot_frame {
    double x0, y0, w, h; /* the data area in device units (y0 is its top) */
    size_t n;
    double ymax;
} plot_frame;

static double frame_x(const plot_frame *f, double i)
{
    return f->x0 + (f->n > 1 ? i / (double)(f->n - 1) : 0.5) * f->w;
}

static double frame_y(const plot_frame *f, double v)
{
    if (!isfinite(v))
        v = 0;
    if (v > f->ymax)
        v = f->ymax;
    return f->y0 + f->h - v / f->ymax * f->h;
}

/* The title is caller text: cairo stops drawing at invalid UTF-8, so keep printable ASCII. */
static void safe_text(char *dst, size_t cap, const char *src)
{
    size_t k = 0;
    for (; src && *src && k + 1 < cap; src++)
        dst[k++] = (*src >= 0x20 && *src < 0x7F) ? *src : '?';
    dst[k] = '\0';
}

static void text_at(cairo_t *cr, double x, double y, const char *s, double align)
{
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s, &ext);
    cairo_move_to(cr, x - ext.width * align - ext.x_bearing * (1 - align), y);
    cairo_show_text(cr, s);
}

/* A round tick spacing (1, 2 or 5 times a power of ten) giving about five ticks over span. */
static double nice_step(double span)
{
    if (!(span > 0))
        return 1;
    double raw = span / 5, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void draw_axes(cairo_t *cr, const plot_frame *f, int k)
{
    char buf[96];
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, f->x0, f->y0, f->w, f->h);
    cairo_stroke(cr);
    cairo_set_font_size(cr, 11);
    double ystep = nice_step(f->ymax);
    for (int t = 0; t * ystep <= f->ymax * (1 + 1e-9) && t <= 20; t++) {
        double v = t * ystep, y = frame_y(f, v);
        cairo_move_to(cr, f->x0 - 5, y);
        cairo_line_to(cr, f->x0, y);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%.3g", v);
        text_at(cr, f->x0 - 8, y + 4, buf, 1.0);
    }
    double last = f->n > 0 ? (double)(f->n - 1) : 0, xstep = nice_step(last);
    if (xstep < 1)
        xstep = 1;
    for (int t = 0; t * xstep <= last && t <= 20; t++) {
        double i = t * xstep, x = frame_x(f, i);
        cairo_move_to(cr, x, f->y0 + f->h);
        cairo_line_to(cr, x, f->y0 + f->h + 5);
        cairo_stroke(cr);
        snprintf(buf, sizeof buf, "%.0f", i);
        text_at(cr, x, f->y0 + f->h + 18, buf, 0.5);
    }
    cairo_set_font_size(cr, 12);
    text_at(cr, f->x0 + f->w / 2, f->y0 + f->h + 42, "rows, sorted by k-distance (descending)", 0.5);
    snprintf(buf, sizeof buf, "cosine distance to the k-th nearest row (itself 1st), k = %d", k);
    cairo_save(cr);
    cairo_translate(cr, 22, f->y0 + f->h / 2);
    cairo_rotate(cr, -M_PI / 2);
    text_at(cr, 0, 0, buf, 0.5);
    cairo_restore(cr);
}

static void draw_curve(cairo_t *cr, const plot_frame *f, const double *kdist)
{
    cairo_set_source_rgb(cr, 0.12, 0.38, 0.70);
    cairo_set_line_width(cr, 1.6);
    size_t step = f->n > (size_t)f->w ? f->n / (size_t)f->w : 1;
    for (size_t i = 0; i < f->n; i += step) {
        if (i == 0)
            cairo_move_to(cr, frame_x(f, 0), frame_y(f, kdist[0]));
        else
            cairo_line_to(cr, frame_x(f, (double)i), frame_y(f, kdist[i]));
    }
    if (f->n > 1)
        cairo_line_to(cr, frame_x(f, (double)(f->n - 1)), frame_y(f, kdist[f->n - 1]));
    cairo_stroke(cr);
}

static void draw_marks(cairo_t *cr, const plot_frame *f, const double *kdist, size_t knee,
                       double eps)
{
    char buf[96];
    static const double dash[] = {6.0, 4.0};
    cairo_set_font_size(cr, 12);
    if (isfinite(eps) && eps >= 0) {
        double y = frame_y(f, eps);
        cairo_set_source_rgb(cr, 0.80, 0.15, 0.15);
        cairo_set_line_width(cr, 1.2);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, f->x0, y);
        cairo_line_to(cr, f->x0 + f->w, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
        snprintf(buf, sizeof buf, "eps = %.4g", eps);
        text_at(cr, f->x0 + f->w - 6, y - 6, buf, 1.0);
    }
    if (f->n > 0 && knee < f->n) {
        double x = frame_x(f, (double)knee), y = frame_y(f, kdist[knee]);
        cairo_set_source_rgb(cr, 0.10, 0.55, 0.25);
        cairo_arc(cr, x, y, 5.0, 0, 2 * M_PI);
        cairo_fill(cr);
        snprintf(buf, sizeof buf, "knee: row %zu, %.4g", knee, kdist[knee]);
        text_at(cr, x + 9, y - 9, buf, 0.0);
    }
}

static void draw_plot(cairo_t *cr, const double *kdist, size_t n, size_t knee, double eps, int k,
                      const char *title)
{
    char safe[TITLE_MAX + 1];
    plot_frame f = {MARGIN_L, MARGIN_T, PLOT_W - MARGIN_L - MARGIN_R, PLOT_H - MARGIN_T - MARGIN_B,
                    n, 0};
    for (size_t i = 0; i < n; i++)
        if (isfinite(kdist[i]) && kdist[i] > f.ymax)
            f.ymax = kdist[i];
    if (isfinite(eps) && eps > f.ymax)
        f.ymax = eps;
    f.ymax = f.ymax > 0 ? f.ymax * 1.05 : 1.0;

    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    safe_text(safe, sizeof safe, title ? title : "k-distance");
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_font_size(cr, 16);
    text_at(cr, PLOT_W / 2.0, 32, safe, 0.5);
    draw_axes(cr, &f, k);
    if (n == 0) {
        cairo_set_font_size(cr, 14);
        text_at(cr, f.x0 + f.w / 2, f.y0 + f.h / 2, "no rows", 0.5);
        return;
    }
    draw_curve(cr, &f, kdist);
    draw_marks(cr, &f, kdist, knee, eps);
}

/* "PATH: why" into err. */
static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", path, why);
}

ap_status cl_kdist_plot(const double *kdist, size_t n, size_t knee, double eps, int k,
                        const char *title, const char *path, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!path || (n > 0 && !kdist)) {
        set_err(err, errlen, "k-distance plot", "no path or no data");
        return AP_ERR_ARG;
    }
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    int png = dot && (!slash || dot > slash) && strcasecmp(dot, ".png") == 0;
    int svg = dot && (!slash || dot > slash) && strcasecmp(dot, ".svg") == 0;
    if (!png && !svg) {
        set_err(err, errlen, path, "the plot format follows the extension: .png or .svg");
        return AP_ERR_ARG;
    }
    cairo_surface_t *surface = png ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, PLOT_W, PLOT_H)
                                   : cairo_svg_surface_create(path, PLOT_W, PLOT_H);
    cairo_status_t cs = cairo_surface_status(surface);
    if (cs != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        set_err(err, errlen, path, cairo_status_to_string(cs));
        return cs == CAIRO_STATUS_NO_MEMORY ? AP_ERR_NOMEM : AP_ERR_IO;
    }
    cairo_t *cr = cairo_create(surface);
    draw_plot(cr, kdist, n, knee, eps, k, title);
    cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs == CAIRO_STATUS_SUCCESS && png)
        cs = cairo_surface_write_to_png(surface, path);
    cairo_surface_finish(surface); /* the SVG is written here */
    if (cs == CAIRO_STATUS_SUCCESS)
        cs = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (cs != CAIRO_STATUS_SUCCESS) {
        set_err(err, errlen, path, cairo_status_to_string(cs));
        return cs == CAIRO_STATUS_NO_MEMORY ? AP_ERR_NOMEM : AP_ERR_IO;
    }
    return AP_OK;
}

/* scheduler.h — background jobs of `guanxi serve`: periodic rules such as
 * returning customers without follow-up to the pool. */
#ifndef GX_JOBS_SCHEDULER_H
#define GX_JOBS_SCHEDULER_H

struct gx_store;

/* Starts the scheduler thread; interval_s is how often the periodic jobs
 * run (the pool sweep runs for every tenant each time). */
int gx_scheduler_start(struct gx_store *s, int interval_s);
/* Stops the thread and waits for it (a running job finishes first). */
void gx_scheduler_stop(void);
/* Runs every periodic job once, now (used by the thread and by tests). */
int gx_scheduler_run_once(struct gx_store *s);

#endif

// One message per screen, shown where its cause is: under the form, field or button that
// produced it, not at the top of the page. The screen names its places; `fail` or `say` puts
// the message at one; `clearOn` takes it away once what it was about is edited.

import { ref, watch, type Ref, type WatchSource } from 'vue'

export type Tone = 'error' | 'success'

export function usePlacedMessage<Place extends string>(initial: Place) {
  const text = ref('')
  const tone = ref<Tone>('error')
  const place = ref(initial) as { value: Place }

  /** Puts `message` at `at`, replacing whatever was shown anywhere else. */
  function say(message: string, at: Place, as: Tone = 'error') {
    text.value = message
    place.value = at
    tone.value = as
  }

  /** The backend's (or any thrown) message, at the place of the step that failed. */
  function fail(e: unknown, at: Place) {
    say((e as Error)?.message || String(e), at, 'error')
  }

  function clear() {
    text.value = ''
  }

  /** The message shown at `at`, or '' when it belongs elsewhere. */
  function at(where: Place): string {
    return text.value && place.value === where ? text.value : ''
  }

  /** A message at `where` goes as soon as `source` changes: its cause was edited. Checked at
   *  the change itself (`sync`), so a message set after a change is kept. */
  function clearOn(source: WatchSource<unknown> | WatchSource<unknown>[], where: Place) {
    watch(source, () => {
      if (place.value === where) text.value = ''
    }, { deep: true, flush: 'sync' })
  }

  return { text, tone, place, say, fail, clear, at, clearOn }
}

/** A form's one message goes as soon as anything in `sources` is edited: what it was about
 *  may be fixed, and a stale message misleads more than none. Checked at the change itself
 *  (`sync`), so a message set after a change (a list that failed to load) is kept. */
export function clearWhenEdited(message: Ref<string>, sources: WatchSource<unknown>[] | object) {
  watch(sources as WatchSource<unknown>[], () => {
    message.value = ''
  }, { deep: true, flush: 'sync' })
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a well-formed UUID: an id argument that is not one matches nothing, like a missing id. */
export const isUuid = (value: string | null | undefined): value is string => !!value && UUID.test(value);
